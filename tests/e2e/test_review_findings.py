"""Adversarial review: an endpoint that answers a value where check prints names."""

from __future__ import annotations

from conftest import assert_no_secrets, run
from fake_ssm import FakeSsm, page

VALUE = "nameDoNotPrint0123456789abcdef"  # only characters a parameter name may hold


def test_a_name_that_echoes_a_value_is_masked_in_check_and_the_log(env, wrapper):
    # The endpoint answers a value as a parameter's name: the debug log masks it, check did not.
    answer = page([(f"/app/{VALUE}", VALUE)])
    with FakeSsm([answer, answer]) as fake:
        environ = dict(env, AWS_ENDPOINT_URL_SSM=fake.url, SSM_ENV_PATHS="/app")
        checked = run(wrapper, ["check"], environ)
        started = run(wrapper, ["true"], dict(environ, SSM_ENV_LOG_LEVEL="debug"))
    assert checked.returncode == 0 and started.returncode == 0, checked.stderr + started.stderr
    assert "would load 1 variable" in checked.stdout
    assert_no_secrets(started, VALUE)
    assert_no_secrets(checked, VALUE)


def test_export_never_hands_an_interactive_shell_a_mail_message_to_expand(env, tmp_path):
    # bash (and zsh) expand MAILPATH's "?message" (command substitution included) at a prompt
    # once a file there changes: the same as a prompt for a shell that evals export's output.
    import subprocess
    import sys
    import time

    from conftest import ROOT

    marker, mail = tmp_path / "ran", tmp_path / "mail"
    mail.mkdir()
    message = f"{mail}?$(touch {marker})"
    answer = page([("/app/MAILPATH", message), ("/app/MAILCHECK", "0")])
    with FakeSsm([answer]) as fake:
        environ = dict(env, AWS_ENDPOINT_URL_SSM=fake.url, SSM_ENV_PATHS="/app")
        exported = subprocess.run(
            [sys.executable, str(ROOT / "bin" / "wrapper"), "export", "--format", "shell"],
            env=environ, capture_output=True, text=True, timeout=60,
        )
    (tmp_path / "exported").write_text(exported.stdout)
    script = (
        f'eval "$(cat {tmp_path / "exported"})"\ntrue\n'
        f"sleep 1.1; touch {mail / 'new'}\ntrue\ntrue\nexit\n"
    )
    subprocess.run(
        ["bash", "--norc", "--noprofile", "-i"], input=script, text=True, capture_output=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}, timeout=30,
    )
    time.sleep(0.1)
    assert not marker.exists(), "a loaded MAILPATH ran a command in the shell that evaluated export"


def test_zsh_prompt_aliases_are_protected_like_its_prompt():
    # zsh: PROMPT2-4 are PS2-PS4, RPS1/RPS2 are RPROMPT/RPROMPT2, SPROMPT is the correction
    # prompt; all prompt-expanded (command substitution with prompt_subst).
    from ssm_env_wrapper import guards

    names = ["PROMPT2", "PROMPT3", "PROMPT4", "RPS1", "RPS2", "RPROMPT2", "SPROMPT", "MAILPATH"]
    assert [name for name in names if guards.family(name) != "code"] == []
