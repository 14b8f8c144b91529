"""Signals for apps to the right of surveys (they may listen; surveys never imports them)."""

from django.dispatch import Signal

# Sent after the transaction that closed a wave and published its final results has committed.
# Arguments: wave_id.
wave_closed = Signal()
