"""The command group: every listed command loads, has its name, and answers --help."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from clauselens.cli import COMMANDS, main


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_listed_command_loads_under_its_name_and_has_help(name: str) -> None:
    command = main.get_command(None, name)  # type: ignore[arg-type]
    assert command is not None
    assert command.name == name
    result = CliRunner().invoke(main, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_group_help_lists_every_command_without_importing_them() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for name, line in COMMANDS.items():
        assert name in result.output
        assert line.split()[0] in result.output


def test_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["no-such-command"])
    assert result.exit_code == 2


def test_the_package_exposes_its_public_api() -> None:
    import clauselens

    for name in clauselens.__all__:
        assert getattr(clauselens, name) is not None


def test_every_public_name_is_loaded_from_the_module_that_owns_it() -> None:
    import clauselens

    assert set(clauselens.__all__) == {"__version__", *clauselens._PUBLIC}


def test_flags_help_names_its_subcommands() -> None:
    """The help says `flags rules` lists the rules (there is no `flags list`)."""
    from click.testing import CliRunner

    from clauselens.cli import main

    for args in (["--help"], ["flags", "--help"]):
        assert "`flags rules` lists them" in CliRunner().invoke(main, args).output
