"""A city official who searches in French: the real hub over the real corpus, in real Chromium.

She types "radicalisation des jeunes" in the search page and gets records about radicalisation and young people, not
"Rio de Janeiro" or Rabat's "Forum des Femmes" matched on "des"/"de"; with ?lang=fr in the address the filters'
labels are French, and choosing one filters as in English."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from hub import vocab
from hub.config import VOCAB_DIR

from helpers import axe_violations

pytestmark = pytest.mark.slow

MATCHED_ON_DES = ("Rio de Janeiro", "Safe School App", "Gender-responsive urban planning")


def test_a_french_query_finds_radicalisation_not_des(live_hub: str, desk) -> None:
    desk.goto(f"{live_hub}/search/")
    desk.fill("#q", "radicalisation des jeunes")
    desk.press("#q", "Enter")
    expect(desk.locator("#status")).to_contain_text("for “radicalisation des jeunes”", timeout=30_000)
    cards = desk.locator("#results .card")
    expect(cards.first).to_be_visible()
    texts = [t.lower() for t in cards.all_inner_texts()[:10]]
    titles = desk.locator("#results .card-title").all_inner_texts()[:10]
    assert not [t for t in titles if any(bad in t for bad in MATCHED_ON_DES)], titles
    assert sum("radicali" in t or "youth" in t or "young" in t for t in texts) >= 7, titles
    assert axe_violations(desk) == []


def test_the_filters_follow_lang_in_the_address(live_hub: str, desk) -> None:
    levels = vocab.load(VOCAB_DIR)["prevention-levels"].concepts
    desk.goto(f"{live_hub}/search/?lang=fr")
    tertiary = desk.locator("label[for='f-level-tertiary']")
    expect(tertiary).to_contain_text(levels["tertiary"].labels["fr"], timeout=30_000)  # before any search
    assert tertiary.get_attribute("lang") == "fr"
    desk.fill("#q", "reintegration")
    desk.press("#q", "Enter")
    expect(desk.locator("#status")).to_contain_text("for “reintegration”", timeout=30_000)
    assert "lang=fr" in desk.url  # the language stays with the page (and a shared link)
    tertiary.click()
    desk.wait_for_url(re.compile(r"level=tertiary"))
    expect(desk.locator("#status")).to_contain_text(levels["tertiary"].labels["fr"], timeout=30_000)
    expect(tertiary).to_contain_text(levels["tertiary"].labels["fr"])
    assert axe_violations(desk) == []
    desk.goto(f"{live_hub}/search/?q=reintegration")  # no lang=: the page as it was, in English
    expect(desk.locator("#status")).to_contain_text("for “reintegration”", timeout=30_000)
    expect(desk.locator("label[for='f-level-tertiary']")).to_contain_text("tertiary")
