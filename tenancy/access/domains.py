"""Proof that an organization holds an e-mail domain: a TXT record in the domain's DNS.

The single sign-on page gives each organization a token; the admin publishes

    _partnerline-challenge.example.com.  TXT  "partnerline-domain-verification=<token>"

and asks for a check. Only whoever controls the domain's DNS can do that, so a domain cannot be
claimed by an organization that does not hold it (dnspython does the lookup).
"""

import dns.exception
import dns.resolver

CHALLENGE_PREFIX = "_partnerline-challenge"
RECORD_PREFIX = "partnerline-domain-verification="
LOOKUP_SECONDS = 5.0


class DomainLookupFailed(Exception):
    """The DNS could not be asked (timeout, no server answered): try again later."""


def challenge_name(domain: str) -> str:
    return f"{CHALLENGE_PREFIX}.{domain}"


def expected_record(token: str) -> str:
    return f"{RECORD_PREFIX}{token}"


def txt_records(name: str) -> list[str]:
    """The TXT strings published at `name`; [] when the name or its TXT records do not exist."""
    try:
        answer = dns.resolver.resolve(name, "TXT", lifetime=LOOKUP_SECONDS)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    except (dns.exception.DNSException, OSError) as error:
        raise DomainLookupFailed(str(error) or error.__class__.__name__) from error
    # A TXT record is one or more strings of up to 255 bytes each, read as one.
    return [b"".join(record.strings).decode("utf-8", "replace") for record in answer]
