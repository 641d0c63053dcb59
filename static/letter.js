// Signon: a Print button on the delivery letter (the page prints without it, from the browser).
(() => {
  "use strict";
  const button = document.querySelector("[data-print]");
  if (!button || !window.print) return;
  button.hidden = false;
  button.addEventListener("click", () => window.print());
})();
