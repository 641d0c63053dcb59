/* Signon sign form: a small proof of work before the form is sent (see src/signon/abuse/pow.py).
 * Finds the smallest decimal nonce n such that SHA-256(challenge + ":" + n) starts with `bits`
 * zero bits. It starts as soon as the person begins filling the form, so it is usually done by
 * the time they press Sign. If anything is missing, fails or takes too long, the form is sent
 * without a proof: the server then looks more closely, it does not refuse. */
(function () {
  "use strict";
  const BATCH = 2000; // hashes between two yields to the event loop, so typing stays smooth
  const MAX_WAIT_MS = 15000; // after pressing Sign; a slow phone must not be stuck for ever

  function zeroBits(bytes) {
    let bits = 0;
    for (const byte of bytes) {
      if (byte !== 0) return bits + Math.clz32(byte) - 24;
      bits += 8;
    }
    return bits;
  }

  async function solve(challenge, bits, maxTries) {
    const encoder = new TextEncoder();
    for (let start = 0; start < maxTries; start += BATCH) {
      const batch = [];
      for (let n = start; n < start + BATCH; n++) {
        batch.push(crypto.subtle.digest("SHA-256", encoder.encode(challenge + ":" + n)));
      }
      const digests = await Promise.all(batch);
      for (let i = 0; i < digests.length; i++) {
        if (zeroBits(new Uint8Array(digests[i])) >= bits) return String(start + i);
      }
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    throw new Error("no proof of work found");
  }

  if (typeof module === "object" && module.exports) module.exports = { solve, zeroBits };
  if (typeof document === "undefined") return;

  function setUp(form) {
    const field = form.querySelector('input[name="pow"]');
    const challenge = form.dataset.powChallenge;
    const bits = Number(form.dataset.powBits || NaN);
    const usable = globalThis.crypto && crypto.subtle && globalThis.TextEncoder;
    if (!field || !challenge || !(bits >= 0 && bits <= 32) || !Number.isInteger(bits) || !usable) {
      return; // no listener: the form is sent as it is
    }
    // A live region must exist before its text changes for screen readers to announce it.
    const status =
      form.querySelector("[data-pow-status]") || form.appendChild(document.createElement("p"));
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    const buttons = form.querySelectorAll('button[type="submit"], button:not([type])');
    let pending = null;
    const start = () => (pending ??= solve(challenge, bits, 2 ** (bits + 8)));
    let sending = false;

    async function onSubmit(event) {
      event.preventDefault();
      if (sending) return;
      sending = true;
      buttons.forEach((button) => (button.disabled = true));
      status.textContent = form.dataset.powWorking || "Working\u2026";
      let timer;
      const tooLong = new Promise((_, reject) => (timer = setTimeout(reject, MAX_WAIT_MS)));
      field.value = await Promise.race([start(), tooLong]).catch(() => "");
      clearTimeout(timer);
      form.removeEventListener("submit", onSubmit);
      HTMLFormElement.prototype.submit.call(form); // immune to a field named "submit"
    }

    form.addEventListener("focusin", () => start().catch(() => {}), { once: true });
    form.addEventListener("submit", onSubmit);
    window.addEventListener("pageshow", (event) => {
      if (!event.persisted) return; // Back button: the page comes back as it was left
      sending = false;
      buttons.forEach((button) => (button.disabled = false));
      status.textContent = "";
      form.addEventListener("submit", onSubmit);
    });
  }

  document.querySelectorAll("form.sign-form").forEach(setUp);
})();
