"""Finds the outlet an incoming article belongs to, creating one when none matches."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from plumbline.ingest.dedupe import hostname, parent_domains
from plumbline.ingest.sources import abp_domain_leans, slug_for
from plumbline.models import ArticleIn, Lean, Outlet, OutletRef

if TYPE_CHECKING:
    from plumbline.storage.protocols import OutletStore


class OutletResolver:
    """Matches by slug, name or domain (the article's outlet field, then its URL's host);
    unknown hosts become new outlets, rated from Article-Bias-Prediction when it knows
    them and 'unrated' otherwise."""

    def __init__(self, outlets: OutletStore) -> None:
        self.outlets = outlets
        self.index = outlets.outlet_index()

    def resolve(self, article: ArticleIn) -> int | None:
        url_host = _domain(article.url) if article.url.startswith("http") else ""
        outlet_host = _domain(article.outlet) if "." in article.outlet else ""
        keys = [article.outlet.lower().strip()] if article.outlet else []
        keys += parent_domains(outlet_host) if outlet_host else []
        keys += parent_domains(url_host) if url_host else []
        for key in keys:
            if key and key in self.index:
                return self.index[key].id
        domain = outlet_host or url_host
        if not domain and not article.outlet:
            return None
        return self._create(article.outlet, domain)

    def _create(self, name: str, domain: str) -> int:
        leans = abp_domain_leans()
        known = next((leans[d] for d in parent_domains(domain) if d in leans), None)
        if known:
            label, lean, n = known
            outlet = Outlet(
                slug=slug_for(label if not name or "." in name else name),
                name=label if not name or "." in name else name,
                homepage=f"https://{domain}/",
                lean=lean,
                lean_source=f"article-bias-prediction majority of {n} articles",
                domains=[domain],
            )
        else:
            # a name that is a domain ("n.example") shows as the domain it resolved to
            display = name if name and ("." not in name or not domain) else domain
            outlet = Outlet(
                slug=slug_for(display),
                name=display,
                homepage=f"https://{domain}/" if domain else "",
                lean=Lean.UNRATED,
                domains=[domain] if domain else [],
            )
        if outlet.slug in self.index:  # same name, another domain
            outlet_id = self.index[outlet.slug].id
        else:
            self.outlets.upsert_outlets([outlet])
            self.index = self.outlets.outlet_index()
            outlet_id = self.index[outlet.slug].id
        for key in (domain, name.lower().strip()):
            if key:
                self.index[key] = OutletRef(outlet_id, outlet.slug)
        return outlet_id


# A domain name: two or more labels, the last one letters only ("::1", "...", "10.0.0.1"
# and "localhost" are not outlets' domains)
_DOMAIN = re.compile(r"(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+[^\W\d_]{2,63}")


def _domain(address: str) -> str:
    """The domain name of a URL or bare host ("" when it has none)."""
    host = hostname(address)
    return host if _DOMAIN.fullmatch(host) else ""
