// Signon: the campaign page's count, refreshed without reloading (a progressive enhancement:
// the page shows the count as of its loading without JavaScript). It asks the count JSON,
// which a proxy or CDN may serve from its cache, every few seconds while the page is visible.
(() => {
  "use strict";
  const counts = document.querySelector("[data-live-count]");
  if (!counts || !window.fetch || !window.Intl) return;
  const total = counts.querySelector(".total strong");
  const progress = counts.querySelector("progress");
  const goalNumber = counts.querySelector(".goal label strong");
  const language = document.documentElement.lang || "en";
  const format = new Intl.NumberFormat(language, { numberingSystem: "latn" });
  const plural = new Intl.PluralRules(language);
  const seconds = Number(counts.dataset.refreshSeconds) || 10;
  let shown = Number(counts.dataset.total);

  // The bar has no words around it, so it always follows; a goal that stepped up once
  // reached (see signon.goals) moves the bar's end and the number in "Goal: N" with it.
  function showProgress(next, goal) {
    if (!progress || !Number.isInteger(goal) || goal < 1) return;
    if (goal !== Number(progress.max)) {
      progress.max = goal;
      if (goalNumber) goalNumber.textContent = format.format(goal);
    }
    progress.value = Math.min(next, goal);
    progress.textContent = Math.floor((Math.min(next, goal) * 100) / goal) + "%";
  }

  async function refresh() {
    if (document.hidden) return;
    try {
      const response = await fetch(counts.dataset.liveCount, { cache: "no-cache" });
      if (!response.ok) return;
      const data = await response.json();
      const next = data.counts.total;
      showProgress(next, data.goal);
      // When the wording around the number would change ("1 signature" -> "2 signatures"),
      // leave it: the next page load shows both right.
      if (next === shown || plural.select(next) !== plural.select(shown)) return;
      shown = next;
      if (total) total.textContent = format.format(next);
    } catch (error) {
      // Offline or the server busy: try again at the next tick.
    }
  }
  setInterval(refresh, seconds * 1000);
})();
