"""Linked identities are personal data: in the person's download, removed by erasure."""

import json
import zipfile
from io import BytesIO

import pytest

from grappe.privacy.export import export_zip
from grappe.privacy.services import erase_person
from grappe.sso.models import Identity, SamlSession

pytestmark = pytest.mark.django_db


def test_the_download_lists_the_linked_identities(outsider):
    Identity.objects.create(user=outsider, provider="orcid", subject="0000-0002-1825-0097", email="")
    data = json.loads(zipfile.ZipFile(BytesIO(export_zip(outsider.person))).read("data.json"))
    assert data["account"]["linked_identities"][0]["subject"] == "0000-0002-1825-0097"


def test_erasure_removes_the_linked_identities(outsider, office):
    Identity.objects.create(user=outsider, provider="oidc", subject="inst-1", email="o@x.example")
    erase_person(outsider.person, actor=office)
    assert not Identity.objects.exists()


def test_erasure_removes_the_saml_sessions(outsider, office):
    SamlSession.objects.create(user=outsider, session_key="k", idp="https://idp", name_id="x", session_index="s")
    erase_person(outsider.person, actor=office)
    assert not SamlSession.objects.exists()
