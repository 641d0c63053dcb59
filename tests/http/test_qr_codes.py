"""QR codes of a campaign's link: they scan (read back with zbarimg, from Debian's zbar-tools),
open the right page in the right language, survive a smudge, and are served as images caches
may keep. Drafts have none."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from litestar.testing import TestClient
from PIL import Image, ImageDraw

from signon.settings import Settings
from tests.support import make_campaign

LINK = "http://testserver.local/c/free-them"  # the test settings' base_url and the slug
QUIET_ZONE = 4


def scan(png: bytes, tmp_path: Path) -> list[str]:
    """What a reader finds in the image, one entry per code."""
    if shutil.which("zbarimg") is None:
        pytest.fail("zbarimg is missing: apt-get install zbar-tools (.ci/run installs it)")
    image = tmp_path / "scanned.png"
    image.write_bytes(png)
    result = subprocess.run(
        ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(image)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode in (0, 4), result.stderr  # 4: zbarimg found no code
    return result.stdout.splitlines()


@pytest.fixture
def campaign(settings: Settings) -> None:
    make_campaign(settings)


@pytest.mark.usefixtures("campaign")
def test_the_png_scans_to_the_campaign_page(client: TestClient, tmp_path: Path) -> None:
    response = client.get("/c/free-them/qr.png")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert scan(response.content, tmp_path) == [LINK]
    assert client.get(LINK.removeprefix("http://testserver.local")).status_code == 200


@pytest.mark.usefixtures("campaign")
def test_a_code_for_a_language_opens_the_page_in_it(client: TestClient, tmp_path: Path) -> None:
    french = client.get("/c/free-them/qr.png?lang=fr")
    assert scan(french.content, tmp_path) == [f"{LINK}?lang=fr"]
    assert french.headers["content-disposition"] == 'inline; filename="free-them-fr-qr.png"'
    assert '<html lang="fr"' in client.get("/c/free-them?lang=fr").text
    english = client.get("/c/free-them/qr.png?lang=EN")  # pinned: a French browser gets English
    assert scan(english.content, tmp_path) == [f"{LINK}?lang=en"]
    svg = client.get("/c/free-them/qr.svg?lang=ar")
    assert svg.status_code == 200 and svg.content != client.get("/c/free-them/qr.svg").content


@pytest.mark.usefixtures("campaign")
def test_an_unknown_language_is_refused_rather_than_printed(client: TestClient) -> None:
    for path in ("/c/free-them/qr.png?lang=frr", "/c/free-them/qr.svg?lang=xx"):
        response = client.get(path)
        assert response.status_code == 400
        assert "Unknown language. Choose one of: en, fr, es, de, nl, ar." in response.text


@pytest.mark.usefixtures("campaign")
def test_the_png_is_black_on_white_with_a_quiet_zone_at_the_scale_asked(
    client: TestClient,
) -> None:
    default = Image.open(io.BytesIO(client.get("/c/free-them/qr.png").content)).convert("L")
    modules = default.width // 10  # 10 pixels per module unless asked otherwise
    assert default.width == default.height and modules * 10 == default.width
    assert sorted(colour for _, colour in default.getcolors()) == [0, 255]
    margin = QUIET_ZONE * 10
    for box in (
        (0, 0, default.width, margin),
        (0, 0, margin, default.height),
        (0, default.height - margin, default.width, default.height),
        (default.width - margin, 0, default.width, default.height),
    ):
        assert default.crop(box).getcolors() == [(box_area(box), 255)], "the margin is white"
    assert default.getpixel((margin, margin)) == 0, "the code starts right after the margin"

    for scale in (2, 40):
        image = Image.open(io.BytesIO(client.get(f"/c/free-them/qr.png?scale={scale}").content))
        assert image.size == (modules * scale, modules * scale)


def box_area(box: tuple[int, int, int, int]) -> int:
    return (box[2] - box[0]) * (box[3] - box[1])


@pytest.mark.usefixtures("campaign")
def test_a_smudged_code_still_scans(client: TestClient, tmp_path: Path) -> None:
    """Error correction for print: a level-L code loses this much; ours keeps working."""
    image = Image.open(io.BytesIO(client.get("/c/free-them/qr.png").content)).convert("L")
    side = image.width - 2 * QUIET_ZONE * 10
    middle, band = image.width // 2, side // 5
    ImageDraw.Draw(image).rectangle(
        (middle - band, middle - band // 2, middle + band, middle + band // 2), fill=255
    )
    smudged = io.BytesIO()
    image.save(smudged, format="PNG")
    assert scan(smudged.getvalue(), tmp_path) == [LINK]


@pytest.mark.usefixtures("campaign")
@pytest.mark.parametrize(
    "scale",
    ["0", "1", "41", "1000", "abc", "2.5", "-3", "²", pytest.param("9" * 5000, id="5000-digits")],
)
def test_a_scale_out_of_bounds_is_refused_clearly(client: TestClient, scale: str) -> None:
    response = client.get("/c/free-them/qr.png", params={"scale": scale})
    assert response.status_code == 400
    assert "The scale is a whole number from 2 to 40." in response.text


@pytest.mark.usefixtures("campaign")
def test_codes_are_cacheable_images_with_download_names(client: TestClient) -> None:
    for path, media_type, filename in (
        ("/c/free-them/qr.svg", "image/svg+xml", "free-them-qr.svg"),
        ("/c/free-them/qr.png", "image/png", "free-them-qr.png"),
    ):
        response = client.get(path)
        assert response.status_code == 200
        assert response.headers["content-type"].split(";")[0] == media_type
        assert response.headers["cache-control"] == "public, max-age=86400"
        assert response.headers["content-disposition"] == f'inline; filename="{filename}"'
        assert response.headers["x-content-type-options"] == "nosniff"
        etag = response.headers["etag"]
        again = client.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b""
        assert again.headers["etag"] == etag
    other = client.get("/c/free-them/qr.png?scale=20")
    assert other.headers["etag"] != client.get("/c/free-them/qr.png").headers["etag"]


@pytest.mark.usefixtures("campaign")
def test_the_svg_is_a_vector_image_sized_for_print(client: TestClient) -> None:
    svg = client.get("/c/free-them/qr.svg").text
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    assert 'width="41mm" height="41mm" viewBox="0 0 41 41"' in svg  # 33 modules + margins
    assert '<path fill="#fff" d="M0 0h41v41h-41z"/>' in svg, "a white ground, margins included"
    assert 'class="qrline" stroke="#000"' in svg, "black modules"
    assert "<script" not in svg


def test_drafts_and_unknown_campaigns_have_no_code(client: TestClient, settings: Settings) -> None:
    make_campaign(settings, slug="secret-plan", status="draft")
    for slug in ("secret-plan", "nowhere"):
        for kind in ("svg", "png"):
            response = client.get(f"/c/{slug}/qr.{kind}")
            assert response.status_code == 404
            assert "image" not in response.headers["content-type"]
    assert client.get("/c/secret-plan").status_code == 404, "like the campaign page"
