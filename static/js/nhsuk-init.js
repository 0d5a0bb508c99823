// NHS.UK frontend's components (header menu, skip link, details, …) start here, on every page.
import { initAll } from "../vendor/nhsuk-frontend/nhsuk-frontend.min.js";

initAll();

// After a form is sent and the page says what happened, move focus to that message, so that a screen reader reads
// it and a keyboard user starts from it (the message is focusable by script only: tabindex="-1").
const banner = document.querySelector("[data-portal-focus]");
if (banner) {
  banner.focus();
}
