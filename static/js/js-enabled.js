// Loaded at the top of <body>, neither async nor deferred, so NHS.UK frontend's JavaScript-only styles apply
// before the page is first drawn. A file, not an inline script: the Content-Security-Policy allows no inline code.
document.body.className += " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " nhsuk-frontend-supported" : "");
