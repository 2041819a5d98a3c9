from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest

from domain.shared.errors import DomainError, ErrorCode
from domain.webhooks.url_policy import check_endpoint_url, resolve_host

PUBLIC = "93.184.215.14"


def to(*addresses: str) -> Callable[[str], Sequence[str]]:
    return lambda host: list(addresses)


def refused(
    url: str, *, allow_private: bool = False, resolve: Callable[[str], Sequence[str]] = to(PUBLIC)
) -> str:
    with pytest.raises(DomainError) as info:
        check_endpoint_url(url, allow_private=allow_private, resolve=resolve)
    [error] = info.value.errors
    assert error.field == "url"
    assert error.code in {ErrorCode.INVALID, ErrorCode.REQUIRED}
    return error.message


def test_a_public_https_url_is_accepted_and_normalised() -> None:
    ok = check_endpoint_url(
        "HTTPS://Hooks.Example.COM:443/in?x=1", allow_private=False, resolve=to(PUBLIC)
    )
    assert ok == "https://hooks.example.com/in?x=1"
    assert (
        check_endpoint_url("https://example.com", allow_private=False, resolve=to(PUBLIC))
        == "https://example.com/"
    )
    assert (
        check_endpoint_url(
            "https://example.com:8443/x",
            allow_private=False,
            resolve=to(PUBLIC, "2606:2800:21f:cb07:6820:80da:af6b:8b2c"),
        )
        == "https://example.com:8443/x"
    )


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.10", "private"),
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("169.254.169.254", "link-local"),  # the cloud metadata service
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("100.64.0.1", "CGNAT"),
        ("100.127.255.254", "CGNAT"),
        ("fd00::1", "private"),
        ("::ffff:10.0.0.1", "private (IPv4-mapped)"),
        ("::ffff:127.0.0.1", "loopback (IPv4-mapped)"),
        ("::ffff:169.254.169.254", "link-local (IPv4-mapped)"),
    ],
)
def test_non_public_addresses_are_refused(address: str, reason: str) -> None:
    message = refused("https://hooks.example.com/in", resolve=to(address))
    assert address in message and reason in message
    assert "development" in message
    # The same address allowed when the server setting says so.
    assert check_endpoint_url(
        "https://hooks.example.com/in", allow_private=True, resolve=to(address)
    )


def test_one_bad_address_among_good_ones_is_enough_to_refuse() -> None:
    assert "10.0.0.5" in refused("https://example.com/", resolve=to(PUBLIC, "10.0.0.5"))


def test_ip_literals_are_checked_without_resolving() -> None:
    def no_dns(host: str) -> Sequence[str]:
        raise AssertionError("an IP literal is not resolved")

    assert "loopback" in refused("https://127.0.0.1/x", resolve=no_dns)
    assert "link-local" in refused("https://[fe80::1]/x", resolve=no_dns)
    assert check_endpoint_url(
        "https://[2606:4700::1111]:444/x", allow_private=False, resolve=no_dns
    ) == ("https://[2606:4700::1111]:444/x")


def test_http_only_to_loopback_when_private_addresses_are_allowed() -> None:
    assert "https" in refused("http://hooks.example.com/in")
    assert "https" in refused("http://hooks.example.com/in", allow_private=True)
    assert "https" in refused("http://10.0.0.1/in", allow_private=True)
    assert "https" in refused("http://localhost:8080/in")
    assert (
        check_endpoint_url("http://localhost:8080/in", allow_private=True, resolve=to("127.0.0.1"))
        == "http://localhost:8080/in"
    )
    assert (
        check_endpoint_url("http://127.0.0.1:9000/hook", allow_private=True, resolve=to())
        == "http://127.0.0.1:9000/hook"
    )
    assert (
        check_endpoint_url("http://[::1]:9000/", allow_private=True, resolve=to())
        == "http://[::1]:9000/"
    )


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("", "required"),
        ("/relative/path", "absolute"),
        ("example.com/hooks", "absolute"),
        ("ftp://example.com/", "absolute"),
        ("javascript:alert(1)", "absolute"),
        ("https://user:pw@example.com/", "user name"),
        ("https://user@example.com/", "user name"),
        ("https://example.com/#frag", "fragment"),
        ("https://example.com:99999/", "valid URL"),
        ("https://example.com/" + "a" * 2000, "2000"),
    ],
)
def test_malformed_urls_are_refused(url: str, words: str) -> None:
    assert words in refused(url)


def test_an_unresolvable_host_is_refused() -> None:
    def fails(host: str) -> Sequence[str]:
        raise OSError("Name or service not known")

    assert "cannot be resolved" in refused("https://nowhere.invalid/", resolve=fails)
    assert "cannot be resolved" in refused("https://nowhere.invalid/", resolve=to())


def test_the_real_resolver_resolves_localhost() -> None:
    assert set(resolve_host("localhost")) & {"127.0.0.1", "::1"}
    with pytest.raises(OSError):
        resolve_host("nowhere.invalid")
