"""The UN M49 region of each Member State (and observer State), by its ISO 3166 alpha-3 code.

Babel ships no territory containment data, so the five M49 regions are listed here; they
change about never. Organisations have no region.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.TextChoices):
    # No code is part of another one: `Offer.open_regions` relies on it (see models.py).
    AFRICA = "africa", _("Africa")
    AMERICAS = "americas", _("Americas")
    ASIA = "asia", _("Asia")
    EUROPE = "europe", _("Europe")
    OCEANIA = "oceania", _("Oceania")


_MEMBERS = {
    Region.AFRICA: """
        AGO BDI BEN BFA BWA CAF CIV CMR COD COG COM CPV DJI DZA EGY ERI ETH GAB GHA GIN GMB
        GNB GNQ KEN LBR LBY LSO MAR MDG MLI MOZ MRT MUS MWI NAM NER NGA RWA SDN SEN SLE SOM
        SSD STP SWZ SYC TCD TGO TUN TZA UGA ZAF ZMB ZWE
    """,
    Region.AMERICAS: """
        ARG ATG BHS BLZ BOL BRA BRB CAN CHL COL CRI CUB DMA DOM ECU GRD GTM GUY HND HTI JAM
        KNA LCA MEX NIC PAN PER PRY SLV SUR TTO URY USA VCT VEN
    """,
    Region.ASIA: """
        AFG ARE ARM AZE BGD BHR BRN BTN CHN CYP GEO IDN IND IRN IRQ ISR JOR JPN KAZ KGZ KHM
        KOR KWT LAO LBN LKA MDV MMR MNG MYS NPL OMN PAK PHL PRK PSE QAT SAU SGP SYR THA TJK
        TKM TLS TUR UZB VNM YEM
    """,
    Region.EUROPE: """
        ALB AND AUT BEL BGR BIH BLR CHE CZE DEU DNK ESP EST FIN FRA GBR GRC HRV HUN IRL ISL
        ITA LIE LTU LUX LVA MCO MDA MKD MLT MNE NLD NOR POL PRT ROU RUS SMR SRB SVK SVN SWE
        UKR VAT
    """,
    Region.OCEANIA: "AUS FJI FSM KIR MHL NRU NZL PLW PNG SLB TON TUV VUT WSM",
}

REGION_OF_STATE = {code: region for region, codes in _MEMBERS.items() for code in codes.split()}


def region_of(code: str, kind: str) -> str:
    """The M49 region of a State by its alpha-3 code; "" for an organisation or an unknown code."""
    if kind != "state":
        return ""
    return REGION_OF_STATE.get(code.upper(), "")
