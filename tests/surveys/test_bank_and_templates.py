import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from surveys import services
from surveys.bank import BANK
from surveys.models import Question, QuestionKind, Response
from tests.surveys.factories import open_wave, pulse_template

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("colleagues")]


def test_bank_is_seeded_bilingually_with_every_type():
    bank = Question.objects.filter(in_bank=True, code__isnull=False)
    assert bank.count() == len(BANK)
    assert not bank.filter(text_de="").exists()
    assert set(bank.values_list("kind", flat=True)) == set(QuestionKind.values)
    assert bank.filter(category="engagement").count() >= 8
    assert Question.objects.get(code="enps").kind == QuestionKind.SCALE10
    for question in bank.filter(kind__in=["single", "multiple"]):
        assert question.options.count() >= 2 and not question.options.filter(text_de="").exists()


def test_template_is_frozen_once_a_wave_has_a_response(employee):
    template = pulse_template()
    wave = open_wave(template)
    Response.objects.create(wave=wave)
    with pytest.raises(ValidationError):
        services.template_item_add(template=template, question=Question.objects.get(code="eng-stay"))
    with pytest.raises(ValidationError):
        services.template_item_remove(item=template.items.first())
    copy = services.template_copy(template=template)
    services.template_item_add(template=copy, question=Question.objects.get(code="eng-stay"))
    assert copy.items.count() == template.items.count() + 1


def test_hr_builds_a_template_from_the_bank(client, hr_manager):
    client.force_login(hr_manager)
    response = client.post(reverse("surveys:template_create"), {"name": "Weekly pulse", "kind": "pulse"})
    template_url = response.url
    template_id = int(template_url.rstrip("/").split("/")[-1])
    question = Question.objects.get(code="eng-proud")
    client.post(reverse("surveys:template_item_add", args=[template_id]), {"question": question.pk, "required": "on"})
    page = client.get(template_url)
    assert question.text_en.encode() in page.content


def test_own_choice_question_needs_two_options(client, hr_manager):
    client.force_login(hr_manager)
    response = client.post(
        reverse("surveys:bank"), {"kind": "single", "category": "custom", "text_en": "Pick", "text_de": "Wählen", "options": "Only"}
    )
    assert response.status_code == 200
    assert b"at least two options" in response.content
    client.post(
        reverse("surveys:bank"), {"kind": "single", "category": "custom", "text_en": "Pick", "text_de": "Wählen", "options": "A | A\nB | B"}
    )
    assert Question.objects.get(text_en="Pick").options.count() == 2


@pytest.mark.parametrize("url_name", ["surveys:index", "surveys:bank", "surveys:template_create"])
def test_hr_pages_are_closed_to_employees_and_anonymous(client, employee, url_name):
    assert client.get(reverse(url_name)).status_code == 302
    client.force_login(employee)
    assert client.get(reverse(url_name)).status_code == 403
