"""What a server process keeps in memory between requests, and a way to drop it all.

Production serves one instance from several processes (gunicorn workers, Celery workers, a restart
in between). A request that works only because the process that served the last one still holds
something in memory (a parsed model its engine changed, a cached version) fails there. Tests that
drop these caches before every request run each request as a process that never saw the instance.
"""

from __future__ import annotations


def forget_process_caches() -> None:
    from app.services import auth_cache, bindings, bundles, catalog, form_refs

    caches = (
        bundles._bundles,  # parsed models (the engine's specs)
        bundles._facts,
        bundles._spec_facts,
        bundles._dmn_models,
        bindings._by_version,
        bindings._by_tag,
        catalog._known,
        catalog._latest,
        form_refs._schemas,
        auth_cache._entries,
    )
    for cache in caches:
        cache.clear()
