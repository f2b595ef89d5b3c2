"""Which knowledge-base agencies and regulations an analysis names.

Agencies are read from ``applicable_agencies`` (each entry's name); regulations from the
institutional analysis' text (regulatory landscape, jurisdiction notes, compliance
considerations), where a model or the offline analyzer names them. A name matches an id by the
knowledge base's own names (full name, name without its parenthesis, the acronym in it, the
short name) and a few common aliases below; the longest match wins, so "UK GDPR" is not also
"GDPR". A named agency that matches no id is counted as unrecognised, never as right or wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from clauselens.analyzers.offline.knowledge import knowledge_base_text, parse_knowledge_base
from clauselens.schemas import ClauseAnalysis

# Names the knowledge base does not spell but analysts (and models) commonly write.
AGENCY_ALIASES: dict[str, tuple[str, ...]] = {
    "hhs_ocr": ("Office for Civil Rights", "HHS OCR", "OCR"),
    "state_ags": ("state attorneys? general", "state AGs?"),
    "ca_ag": ("California Attorney General", "California AG", "California Department of Justice"),
    "eu_dpas": ("data protection authorit(?:y|ies)", "supervisory authorit(?:y|ies)", "DPAs?"),
    "eu_ai_office": ("AI Office",),
    "eu_dscs": ("Digital Services Coordinators?",),
    "european_commission": ("European Commission",),
    "us_copyright_office": ("Copyright Office",),
    "ed_sppo": ("Student Privacy Policy Office", "Department of Education"),
    "ico": ("Information Commissioner",),
}
REGULATION_ALIASES: dict[str, tuple[str, ...]] = {
    "ftc_act_s5": ("Section 5 of the FTC Act", "FTC Act", "Federal Trade Commission Act"),
    "state_udap": ("UDAP", "state consumer[- ]protection (?:laws|statutes)"),
    "hbnr": ("Health Breach Notification Rule", "HBNR"),
    "fdca_devices": ("FD&C Act", "FDCA", "Food, Drug, and Cosmetic Act"),
    "coppa": ("COPPA", "Children's Online Privacy Protection"),
    "ccpa_cpra": ("CCPA", "CPRA", "California Consumer Privacy Act"),
    "eu_ai_act": ("AI Act", "Artificial Intelligence Act"),
    "uctd": ("Unfair (?:Contract )?Terms Directive", "Directive 93/13"),
    "crd": ("Consumer Rights Directive",),
    "dsa": ("Digital Services Act", "DSA"),
    "dma": ("Digital Markets Act", "DMA"),
    "faa": ("Federal Arbitration Act", "FAA"),
    "dmca_512": ("DMCA", "Digital Millennium Copyright Act"),
    "uk_osa": ("Online Safety Act",),
    "uk_cra": ("Consumer Rights Act 2015",),
    "eprivacy": ("ePrivacy", "e-Privacy"),
    "rosca": ("ROSCA", "Restore Online Shoppers"),
    "state_auto_renewal": ("auto(?:matic)?[- ]renewal laws?",),
}


@dataclass(frozen=True)
class Named:
    agencies: frozenset[str]
    regulations: frozenset[str]
    unrecognised_agencies: tuple[str, ...] = ()


def _variants(name: str, extra: tuple[str, ...]) -> list[str]:
    """Regex alternatives for a knowledge-base name: whole, without its parenthesis, the
    acronym inside it (capitals only: not a citation or a parent body), and the aliases."""
    out = [re.escape(name)]
    bare = re.sub(r"\s*\([^)]*\)", "", name).strip()
    if bare and bare != name:
        out.append(re.escape(bare))
    for inner in re.findall(r"\(([^)]*)\)", name):
        if re.fullmatch(r"[A-Z][A-Z&. -]{1,12}", inner):
            out.append(re.escape(inner))
    return out + list(extra)


def _compile(pairs: list[tuple[str, str]]) -> list[tuple[re.Pattern[str], str]]:
    """One pattern per (alternative, id), longest alternative first."""
    pairs.sort(key=lambda p: -len(p[0]))
    return [(re.compile(rf"(?<![\w-]){alt}(?![\w-])", re.IGNORECASE), i) for alt, i in pairs]


@cache
def _patterns() -> tuple[list[tuple[re.Pattern[str], str]], list[tuple[re.Pattern[str], str]]]:
    kb = parse_knowledge_base(knowledge_base_text())
    agencies = [
        (alt, a.id) for a in kb.agencies for alt in _variants(a.name, AGENCY_ALIASES.get(a.id, ()))
    ]
    regulations = [
        (alt, r.id)
        for r in kb.regulations
        for alt in [*_variants(r.name, REGULATION_ALIASES.get(r.id, ())), re.escape(r.short_name)]
    ]
    return _compile(agencies), _compile(regulations)


def regulation_patterns() -> list[tuple[re.Pattern[str], str]]:
    """The patterns that recognise each regulation's names in text, longest first."""
    return _patterns()[1]


def find_ids(text: str, patterns: list[tuple[re.Pattern[str], str]]) -> set[str]:
    """Ids named in ``text``; a span claimed by a longer name is not matched again."""
    taken: list[tuple[int, int]] = []
    found: set[str] = set()
    for pattern, ident in patterns:
        for m in pattern.finditer(text):
            if any(m.start() < end and start < m.end() for start, end in taken):
                continue
            taken.append(m.span())
            found.add(ident)
    return found


def named_in(analysis: ClauseAnalysis) -> Named:
    """The agencies and regulations ``analysis`` names, as knowledge-base ids."""
    agency_patterns, regulation_patterns = _patterns()
    agencies: set[str] = set()
    unrecognised: list[str] = []
    for agency in analysis.applicable_agencies:
        ids = find_ids(agency.name, agency_patterns)
        agencies |= ids
        if not ids:
            unrecognised.append(agency.name)
    ia = analysis.institutional_analysis
    text = "\n".join(
        [ia.regulatory_landscape, ia.compliance_considerations]
        + [flag.note for flag in ia.jurisdiction_flags]
    )
    regulations = find_ids(text, regulation_patterns)
    return Named(frozenset(agencies), frozenset(regulations), tuple(unrecognised))
