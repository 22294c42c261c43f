"""E-mail normalisation: one form per mailbox for limits "per person"."""

import pytest

from fraud.services import email_normalise


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        ("ann@example.com", "ann@example.com"),
        ("  Ann@Example.COM  ", "ann@example.com"),
        ("ann+promo@example.com", "ann@example.com"),
        ("ann+a+b@example.com", "ann@example.com"),
        ("ann+@example.com", "ann@example.com"),
        # Dots matter outside Gmail: another provider may deliver a.nn and ann to two people.
        ("a.nn@example.com", "a.nn@example.com"),
        ("a.n.n@gmail.com", "ann@gmail.com"),
        ("A.Nn+Black.Friday@GMail.com", "ann@gmail.com"),
        ("ann@googlemail.com", "ann@gmail.com"),
        ("a.nn+x@googlemail.com", "ann@gmail.com"),
        # A Gmail look-alike domain is not Gmail.
        ("a.nn@gmail.co", "a.nn@gmail.co"),
        ("a.nn@mail.gmail.com", "a.nn@mail.gmail.com"),
        # The last @ separates the domain (a quoted local part may hold one).
        ('"a@b"+x@example.com', '"a@b"@example.com'),
        ("", ""),
        ("   ", ""),
        ("not-an-address", "not-an-address"),
        ("@example.com", "@example.com"),
        ("ünïcode+x@Exämple.de", "ünïcode@exämple.de"),
    ],
)
def test_email_normalise(email, expected):
    assert email_normalise(email) == expected


def test_email_normalise_is_idempotent():
    once = email_normalise("J.Doe+Spring@GoogleMail.com")
    assert once == "jdoe@gmail.com"
    assert email_normalise(once) == once


def test_none_is_empty():
    assert email_normalise(None) == ""  # type: ignore[arg-type]
