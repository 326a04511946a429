"""The package's shape: no import cycles, and each layer imports only the layers below it."""

from __future__ import annotations

from pathlib import Path

import grimp
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parent.parent


def test_no_module_imports_itself_through_others():
    graph = grimp.build_graph("pipeline")
    cycles = []
    for module in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(module):
            if graph.chain_exists(importer=imported, imported=module):
                chain = graph.find_shortest_chain(importer=imported, imported=module) or ()
                cycles.append(" -> ".join(chain))
    assert not cycles, "import cycles:\n" + "\n".join(sorted(set(cycles)))


def test_imports_point_down_the_layers(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)  # the contract lives in pyproject.toml
    assert lint_imports(no_cache=True) == 0, capsys.readouterr().out
    assert "1 kept, 0 broken" in capsys.readouterr().out


def test_the_cycle_check_sees_a_chain():
    graph = grimp.build_graph("pipeline")
    assert graph.chain_exists(importer="pipeline.cli", imported="pipeline.model.show")
    assert not graph.chain_exists(importer="pipeline.model.show", imported="pipeline.cli")


def test_no_module_is_over_450_lines():
    sizes = {
        str(path.relative_to(ROOT)): len(path.read_text().splitlines())
        for path in (ROOT / "pipeline").rglob("*.py")
    }
    assert not {name: lines for name, lines in sizes.items() if lines > 450}
