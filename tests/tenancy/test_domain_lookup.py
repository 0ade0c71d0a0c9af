"""The DNS lookup behind a domain's proof (tenancy/access/domains.py), with dnspython's resolver
answering as a real one would: records, no such name, no TXT, no answer in time."""

import dns.exception
import dns.resolver
import pytest

from tenancy.access import domains


class _Record:
    def __init__(self, *strings: bytes):
        self.strings = strings


def _resolver(answer=None, error=None):
    def resolve(name, kind, lifetime):
        assert (kind, lifetime) == ("TXT", domains.LOOKUP_SECONDS)
        if error is not None:
            raise error
        return answer[name]

    return resolve


def test_a_record_split_into_strings_reads_as_one(monkeypatch):
    long_token = "partnerline-domain-verification=" + "x" * 300
    answer = {
        "_partnerline-challenge.alpha.test": [
            _Record(long_token[:255].encode(), long_token[255:].encode()),
            _Record(b"v=spf1 -all"),
        ]
    }
    monkeypatch.setattr(dns.resolver, "resolve", _resolver(answer))
    assert domains.txt_records("_partnerline-challenge.alpha.test") == [long_token, "v=spf1 -all"]


@pytest.mark.parametrize("error", [dns.resolver.NXDOMAIN(), dns.resolver.NoAnswer()])
def test_a_name_without_txt_records_has_none(monkeypatch, error):
    monkeypatch.setattr(dns.resolver, "resolve", _resolver(error=error))
    assert domains.txt_records("_partnerline-challenge.alpha.test") == []


@pytest.mark.parametrize("error", [dns.exception.Timeout(), dns.resolver.NoNameservers()])
def test_a_dns_that_does_not_answer_is_a_lookup_failure_not_an_absent_record(monkeypatch, error):
    monkeypatch.setattr(dns.resolver, "resolve", _resolver(error=error))
    with pytest.raises(domains.DomainLookupFailed):
        domains.txt_records("_partnerline-challenge.alpha.test")


def test_the_record_and_its_name():
    assert domains.challenge_name("alpha.test") == "_partnerline-challenge.alpha.test"
    assert domains.expected_record("t0k") == "partnerline-domain-verification=t0k"
