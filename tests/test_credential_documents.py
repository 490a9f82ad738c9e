"""The pinned Open Badges 3.0 documents are the ones their README names (by sha256), and the
credentials name exactly those contexts: nothing is fetched at run time."""
import hashlib
import json
import re

from portal.credentials import openbadges


def test_the_pinned_files_are_the_ones_the_readme_names():
    readme = (openbadges.DATA / "README.md").read_text(encoding="utf-8")
    named = dict(re.findall(r"^\| `([^`]+)` \|.*\| `([0-9a-f]{64})` \|$", readme, re.MULTILINE))
    files = {p.name for p in openbadges.DATA.iterdir() if p.name != "README.md"}
    assert set(named) == files
    for name, digest in named.items():
        assert hashlib.sha256((openbadges.DATA / name).read_bytes()).hexdigest() == digest, name


def test_every_context_a_credential_names_is_pinned():
    assert list(openbadges.CONTEXT_FILES) == [openbadges.VC_CONTEXT, openbadges.OB_CONTEXT]
    pinned = {url: json.loads((openbadges.DATA / name).read_text(encoding="utf-8"))["@context"]
              for url, name in openbadges.CONTEXT_FILES.items()}
    assert "BitstringStatusListEntry" in pinned[openbadges.VC_CONTEXT]
    assert {"OpenBadgeCredential", "AchievementSubject", "IdentityObject"} <= set(pinned[openbadges.OB_CONTEXT])
    assert openbadges.schema()["$id"] == openbadges.SCHEMA_ID
