// NHS.UK frontend's components (header menu, skip link, details, …) start here, on every page.
import { initAll } from "../vendor/nhsuk-frontend/nhsuk-frontend.min.js";

initAll();
