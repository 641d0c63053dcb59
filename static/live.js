// Signon: the campaign page's count, refreshed without reloading (a progressive enhancement:
// the page shows the count as of its loading without JavaScript). It asks the count JSON,
// which a proxy or CDN may serve from its cache, every few seconds while the page is visible.
(() => {
  "use strict";
  const counts = document.querySelector("[data-live-count]");
  if (!counts || !window.fetch || !window.Intl) return;
  const total = counts.querySelector(".total strong");
  const progress = counts.querySelector("progress");
  const language = document.documentElement.lang || "en";
  const format = new Intl.NumberFormat(language, { numberingSystem: "latn" });
  const plural = new Intl.PluralRules(language);
  const seconds = Number(counts.dataset.refreshSeconds) || 10;
  let shown = Number(counts.dataset.total);

  async function refresh() {
    if (document.hidden) return;
    try {
      const response = await fetch(counts.dataset.liveCount, { cache: "no-cache" });
      if (!response.ok) return;
      const next = (await response.json()).counts.total;
      // When the wording around the number would change ("1 signature" -> "2 signatures"),
      // leave it: the next page load shows both right.
      if (next === shown || plural.select(next) !== plural.select(shown)) return;
      shown = next;
      if (total) total.textContent = format.format(next);
      if (progress) progress.value = Math.min(next, Number(progress.max));
    } catch (error) {
      // Offline or the server busy: try again at the next tick.
    }
  }
  setInterval(refresh, seconds * 1000);
})();
