"""A worker that dies while it records an e-mail, for the tests of the outbox's crash window."""

from types import ModuleType


def kill_the_worker_once(monkeypatch, module: ModuleType, *, after_recording: bool) -> None:
    """The first e-mail ``module`` records through its ``send_templated_mail`` ends the worker
    (``SystemExit``): before its outbox row exists, or right after it was recorded (so before the
    caller's claim is written). Later e-mails are recorded as usual."""
    real = module.send_templated_mail
    calls = []

    def send(**kwargs):
        calls.append(kwargs.get("key"))
        if len(calls) == 1:
            if after_recording:
                real(**kwargs)
            raise SystemExit("worker killed")
        return real(**kwargs)

    monkeypatch.setattr(module, "send_templated_mail", send)
