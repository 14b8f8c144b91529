"""Form helpers shared by the apps' views."""

from django.core.exceptions import ValidationError


def run_service(form, call) -> bool:
    """Validate the form and call the service with its cleaned data; a service's refusal
    (ValidationError) lands on the form, so the page shows it and keeps what was typed."""
    if not form.is_valid():
        return False
    try:
        call(form.cleaned_data)
    except ValidationError as exc:
        form.add_error(None, exc)
        return False
    return True
