"""Proving single sign-on domains in tests: the DNS answers with the organization's record."""

from django.utils import timezone

from tenancy.access import services
from tenancy.access.domains import expected_record


def prove_domains(config, actor):
    """Verify every domain of `config` as if its DNS held the TXT record; returns the config."""
    services.sso_domains_verify(
        organization=config.organization,
        actor=actor,
        now=timezone.now(),
        lookup=lambda name: [expected_record(config.domain_token)],
    )
    config.refresh_from_db()
    return config
