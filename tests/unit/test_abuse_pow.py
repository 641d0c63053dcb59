"""Proof of work: the server accepts exactly the work it asked for, and the browser script does it.

static/sign.js is run under Node (Node has the same WebCrypto API as browsers) to prove that the
script and `verify` agree on the string hashed and on how zero bits are counted.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from signon.abuse.pow import (
    DEFAULT_DIFFICULTY_BITS,
    MAX_SOLUTION_LENGTH,
    leading_zero_bits,
    solve,
    verify,
)

SIGN_JS = Path(__file__).resolve().parents[2] / "static" / "sign.js"
ON_CI = os.environ.get("CI", "").lower() == "true"


def zero_bits_from_hex(challenge: str, solution: str) -> int:
    """Leading zero bits counted another way than the code under test: from the hex digest."""
    digest = hashlib.sha256(f"{challenge}:{solution}".encode()).hexdigest()
    binary = bin(int(digest, 16))[2:].zfill(256)
    return len(binary) - len(binary.lstrip("0"))


def nonce_with_exactly(challenge: str, bits: int, width: int = 0) -> str:
    """A nonce (zero-padded to `width` digits) whose hash starts with exactly `bits` zero bits."""
    for n in range(1_000_000):
        nonce = str(n).zfill(width)
        if zero_bits_from_hex(challenge, nonce) == bits:
            return nonce
    raise AssertionError("no such nonce in range")


@pytest.mark.parametrize(
    ("digest", "bits"),
    [
        (b"\xff" + b"\x00" * 31, 0),
        (b"\x80", 0),
        (b"\x7f", 1),
        (b"\x01", 7),
        (b"\x00\x80", 8),
        (b"\x00\x00\x01", 23),
        (b"\x00" * 32, 256),
    ],
)
def test_leading_zero_bits(digest: bytes, bits: int) -> None:
    assert leading_zero_bits(digest) == bits


@pytest.mark.parametrize("bits", [0, 1, 4, 8, 12])
def test_the_reference_solution_is_accepted(bits: int) -> None:
    challenge = secrets.token_urlsafe(18)

    solution = solve(challenge, bits)

    assert verify(challenge, solution, bits)
    assert zero_bits_from_hex(challenge, solution) >= bits


def test_solve_finds_the_smallest_nonce() -> None:
    challenge = "signon-test-vector"
    solution = solve(challenge, 10)

    assert all(zero_bits_from_hex(challenge, str(n)) < 10 for n in range(int(solution)))
    assert zero_bits_from_hex(challenge, solution) >= 10


@pytest.mark.parametrize("bits", [1, 3, 8, 11])
def test_verify_counts_bits_exactly(bits: int) -> None:
    challenge = "count-me"
    nonce = nonce_with_exactly(challenge, bits)

    assert verify(challenge, nonce, bits)
    assert not verify(challenge, nonce, bits + 1)


def test_a_solution_belongs_to_its_challenge() -> None:
    nonce = nonce_with_exactly("challenge-one", 12)

    assert verify("challenge-one", nonce, 12)
    # The same nonce on another challenge has, here, fewer zero bits (checked independently).
    assert zero_bits_from_hex("challenge-two", nonce) < 12
    assert not verify("challenge-two", nonce, 12)


@pytest.mark.parametrize("digits", ["0123456789abcdef", "0123456789ABCDEF"])
def test_hex_nonces_are_accepted_in_either_case(digits: str) -> None:
    challenge = "hex"
    nonces = ("".join(digits[int(c, 16)] for c in format(n, "x")) for n in range(100_000))
    nonce = next(n for n in nonces if not n.isdigit() and zero_bits_from_hex(challenge, n) >= 6)

    assert verify(challenge, nonce, 6)


def test_a_solution_of_the_maximum_length_is_accepted_and_one_more_is_not() -> None:
    challenge = "long"
    longest = nonce_with_exactly(challenge, 2, width=MAX_SOLUTION_LENGTH)
    too_long = nonce_with_exactly(challenge, 2, width=MAX_SOLUTION_LENGTH + 1)

    assert verify(challenge, longest, 2)
    assert not verify(challenge, too_long, 2)


@pytest.mark.parametrize(
    "solution", ["", " 1", "1 ", "+1", "-1", "1.0", "0x1f", "12g", "١٢", "1\n"]
)
def test_only_plain_decimal_or_hex_nonces_count(solution: str) -> None:
    # Zero bits asked: any well-formed nonce passes, so a refusal here is about the format.
    assert verify("c", "1", 0)
    assert not verify("c", solution, 0)


@pytest.mark.parametrize("bits", [-1, 257, True, 1.0, "8", None])
def test_nonsense_difficulty_is_refused(bits: object) -> None:
    assert not verify("c", solve("c", 1), bits)


@pytest.mark.parametrize("challenge", ["", "x" * 129, None, b"bytes", 7])
def test_nonsense_challenges_are_refused(challenge: object) -> None:
    assert not verify(challenge, "1", 0)


def test_the_default_difficulty_is_a_speed_bump() -> None:
    assert 12 <= DEFAULT_DIFFICULTY_BITS <= 20


@given(challenge=st.from_type(object), solution=st.from_type(object), bits=st.from_type(object))
def test_verify_never_raises_on_any_object(
    challenge: object, solution: object, bits: object
) -> None:
    assert verify(challenge, solution, bits) in (True, False)


@given(
    challenge=st.text(max_size=200),
    solution=st.text(alphabet="0123456789abcdefABCDEF\n\ud800", max_size=40),
    bits=st.integers(-5, 300),
)
def test_verify_never_raises_on_any_text(challenge: str, solution: str, bits: int) -> None:
    assert verify(challenge, solution, bits) in (True, False)


# --- static/sign.js under Node ----------------------------------------------------------------


def node() -> str:
    path = shutil.which("node")
    if path is None:
        if ON_CI:
            pytest.fail("CI must test static/sign.js: install Node (Debian package nodejs)")
        pytest.skip("node is not installed")
    return path


def run_js(body: str) -> object:
    """Run `body` in Node with sign.js loaded as `signjs` (and, for DOM tests, the fake DOM)."""
    script = f"""
const source = require("fs").readFileSync({json.dumps(str(SIGN_JS))}, "utf8");
const load = () => {{ const module = {{ exports: {{}} }}; new Function("module", source)(module);
  return module.exports; }};
(async () => {{ {body} }})().then(
  (result) => process.stdout.write(JSON.stringify(result)),
  (error) => {{ console.error(error); process.exit(1); }});
"""
    done = subprocess.run(
        [node(), "-e", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


CHALLENGES = ["signon-js-1", "défi-✓-挑战", secrets.token_urlsafe(18), "Zm9vYmFy_-"]


def test_sign_js_finds_the_same_nonce_as_python_and_python_accepts_it() -> None:
    cases = [(c, bits) for c in CHALLENGES for bits in (0, 1, 8, 12)]
    cases.append(("signon-js-1", DEFAULT_DIFFICULTY_BITS))
    results = run_js(
        f"const signjs = load(); const out = [];"
        f"for (const [c, bits] of {json.dumps(cases)})"
        f"  out.push(await signjs.solve(c, bits, 2 ** 24));"
        f"return out;"
    )

    assert isinstance(results, list)
    for (challenge, bits), solution in zip(cases, results, strict=True):
        assert verify(challenge, solution, bits), (challenge, bits, solution)
        assert solution == solve(challenge, bits), (challenge, bits)
    # Some answers lie beyond the first batch of 2000, so batching is exercised too.
    assert any(int(s) >= 2000 for s in results)


def test_sign_js_counts_zero_bits_like_python() -> None:
    digests = [bytes([b]) + secrets.token_bytes(3) for b in range(256)]
    digests += [b"\x00" * n + b"\x01" for n in range(8)] + [b"\x00" * 32]
    counted = run_js(
        f"const signjs = load();"
        f"return {json.dumps([list(d) for d in digests])}.map((d) => signjs.zeroBits(d));"
    )

    assert counted == [leading_zero_bits(d) for d in digests]


def test_sign_js_gives_up_instead_of_hanging() -> None:
    outcome = run_js(
        "const signjs = load();"
        "try { await signjs.solve('c', 256, 4000); return 'solved'; }"
        "catch (error) { return String(error.message); }"
    )

    assert outcome == "no proof of work found"


FAKE_DOM = """
const log = { listeners: {}, submitted: null, created: null, prevented: 0 };
const field = { value: "" };
const buttons = [{ disabled: false }];
const form = {
  dataset: DATASET,
  querySelector: (sel) => (sel === 'input[name="pow"]' ? field : null),
  querySelectorAll: () => buttons,
  appendChild: (el) => (log.created = el),
  addEventListener: (type, fn) => (log.listeners[type] ??= []).push(fn),
  removeEventListener: (type, fn) =>
    (log.listeners[type] = log.listeners[type].filter((f) => f !== fn)),
};
globalThis.document = {
  querySelectorAll: (sel) => (sel === "form.sign-form" ? [form] : []),
  createElement: () => ({ attrs: {}, textContent: "", setAttribute(k, v) { this.attrs[k] = v; } }),
};
const pageshow = [];
globalThis.window = { addEventListener: (type, fn) => type === "pageshow" && pageshow.push(fn) };
globalThis.HTMLFormElement = { prototype: { submit() {
  log.submitted = { same: this === form, pow: field.value, disabled: buttons[0].disabled,
                    status: log.created.textContent }; } } };
const submit = async () => {
  const event = { preventDefault: () => log.prevented++ };
  await Promise.all(log.listeners.submit.map((listener) => listener(event)));
};
"""


def run_form(dataset: dict[str, str], body: str, setup: str = "") -> dict[str, object]:
    result = run_js(
        FAKE_DOM.replace("DATASET", json.dumps(dataset))
        + setup
        + "load();"
        + body
        + "return { ...log, listeners: Object.keys(log.listeners).filter("
        "(k) => log.listeners[k].length), attrs: log.created && log.created.attrs,"
        " enabled: !buttons[0].disabled };"
    )
    assert isinstance(result, dict)
    return result


def test_sign_js_fills_the_proof_then_submits_the_form() -> None:
    challenge = secrets.token_urlsafe(18)
    result = run_form({"powChallenge": challenge, "powBits": "10"}, "await submit();")

    assert result["prevented"] == 1
    submitted = result["submitted"]
    assert isinstance(submitted, dict)
    assert submitted["same"] is True
    assert verify(challenge, submitted["pow"], 10)
    assert submitted["disabled"] is True  # no second click while working
    assert submitted["status"] == "Working…"
    assert result["attrs"] == {"role": "status", "aria-live": "polite"}
    assert "submit" not in result["listeners"]  # the real submission is not intercepted again


def test_sign_js_submits_without_a_proof_when_hashing_fails() -> None:
    broken = (
        "Object.defineProperty(globalThis, 'crypto', { configurable: true, value: "
        "{ subtle: { digest: () => Promise.reject(new Error('broken')) } } });"
    )
    result = run_form({"powChallenge": "c" * 24, "powBits": "10"}, "await submit();", broken)

    submitted = result["submitted"]
    assert isinstance(submitted, dict)
    assert submitted["pow"] == ""


NO_WEBCRYPTO = (
    "Object.defineProperty(globalThis, 'crypto', { configurable: true, value: undefined });"
)


def test_sign_js_makes_the_form_usable_again_after_the_back_button() -> None:
    back = "await submit(); pageshow.forEach((f) => f({ persisted: true }));"
    result = run_form({"powChallenge": "c" * 24, "powBits": "4"}, back)

    assert result["submitted"] is not None
    assert result["enabled"] is True
    assert "submit" in result["listeners"]  # a second Sign press is intercepted again


@pytest.mark.parametrize(
    ("dataset", "setup"),
    [
        ({"powBits": "10"}, ""),  # no challenge
        ({"powChallenge": "c" * 24}, ""),  # no difficulty
        ({"powChallenge": "c" * 24, "powBits": "ten"}, ""),
        ({"powChallenge": "c" * 24, "powBits": "40"}, ""),  # beyond what a phone can do
        (
            {"powChallenge": "c" * 24, "powBits": "10"},
            NO_WEBCRYPTO,
        ),
    ],
)
def test_sign_js_leaves_the_form_alone_when_it_cannot_help(
    dataset: dict[str, str], setup: str
) -> None:
    result = run_form(dataset, "", setup)

    assert "submit" not in result["listeners"]  # the browser sends the form as it is
    assert result["submitted"] is None
