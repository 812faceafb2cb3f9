"""`alu eval`: benchmarks and attacks with baselines side by side (a thin layer over alu.eval)."""

from __future__ import annotations

from pathlib import Path

import click

from .errors import ConfigError
from .models import DEFAULT_MODEL

ALL_METHODS = "vanilla,prompt,filter,icul,alu-paper,alu"


def _pairs(values: tuple[str, ...], option: str) -> dict[str, int]:
    pairs = {}
    for value in values:
        key, sep, number = value.partition("=")
        if not sep or not number.isdigit():
            raise ConfigError(f"{option} takes NAME=N, got {value!r}")
        pairs[key.strip()] = int(number)
    return pairs


def eval_options(default_methods: str):
    def decorate(func):
        options = [
            click.option("--methods", default=default_methods, show_default=True,
                         help="Comma-separated: vanilla, prompt, filter, icul, alu-paper, alu."),
            click.option("--limit", type=int, default=None, help="Items per split (default: all)."),
            click.option("--split-limit", multiple=True, metavar="SPLIT=N", help="Items for one split."),
            click.option("--method-limit", multiple=True, metavar="METHOD[@SPLIT]=N",
                         help="Run a slow method on the first N items of each split (or of one split) only."),
            click.option("--out", type=click.Path(file_okay=False), required=True,
                         help="Output directory (re-running with the same one resumes)."),
            click.option("--model", "-m", default=DEFAULT_MODEL, show_default=True,
                         help="Backbone: an embedded model name or a .gguf path (or a model id with --backbone-url)."),
            click.option("--backbone-url", envvar="ALU_BACKBONE_URL", default=None,
                         help="OpenAI-compatible endpoint serving the backbone (e.g. a TOFU-fine-tuned model)."),
            click.option("--api-key", envvar="ALU_API_KEY", default=None, help="API key for --backbone-url."),
            click.option("--n-ctx", type=int, default=4096, show_default=True, help="Context of a local model."),
            click.option("--knowledge/--no-knowledge", default=True, show_default=True,
                         help="Give each question its retrieved passages (TOFU, WPU); off for a backbone fine-tuned "
                              "on the data."),
            click.option("--data-dir", type=click.Path(file_okay=False), default=None,
                         help="Benchmark JSON Lines (default: $ALU_DATA_DIR, else ../shared/data)."),
            click.option("--source", type=click.Choice(["local", "hf"]), default="local", show_default=True,
                         help="`hf` loads TOFU, WMDP and MMLU from the Hugging Face hub (needs `datasets`)."),
            click.option("--seed", type=int, default=0, show_default=True),
            click.option("--max-tokens", type=int, default=None,
                         help="Answer length (default: 128 for questions, 16 for multiple choice)."),
            click.option("--progress/--no-progress", default=True, help="Show a progress bar."),
        ]
        for option in reversed(options):
            func = option(func)
        return func

    return decorate


@click.group(name="eval")
def eval_group() -> None:
    """Evaluate unlearning methods on TOFU, WMDP+MMLU, WPU, attacks and target-list scale."""


def _run(suite_builder, opts: dict, groups: tuple[str, ...] = ()) -> None:
    from .eval import logprob, report, runner, suites
    from .eval.data import Source
    from .eval.methods import METHODS
    from .eval.suites import check_limit

    methods = [m.strip() for m in opts["methods"].split(",") if m.strip()]
    unknown = [m for m in methods if m not in METHODS]
    if unknown or not methods:
        raise ConfigError(f"unknown method(s) {', '.join(unknown) or '(none)'}; expected {', '.join(METHODS)}")
    check_limit(opts["limit"])
    method_limits = _pairs(opts["method_limit"], "--method-limit")
    source = Source(Path(opts["data_dir"]) if opts["data_dir"] else None, opts["source"])
    suite = suite_builder(source, opts["limit"], _pairs(opts["split_limit"], "--split-limit"))
    if not opts["knowledge"]:
        suite = suites.without_knowledge(suite)
    out = Path(opts["out"])
    if opts["max_tokens"] is not None:
        if opts["max_tokens"] < 1:
            raise ConfigError("--max-tokens must be at least 1")
        suite.max_tokens = opts["max_tokens"]
    suite.fingerprint = f"{opts['model']}|{opts['backbone_url'] or 'local'}|seed={opts['seed']}"

    def model_factory():
        from .models import LlamaCppModel, OpenAICompatModel

        if opts["backbone_url"]:
            return OpenAICompatModel(opts["backbone_url"], opts["model"], api_key=opts["api_key"])
        return LlamaCppModel(opts["model"], n_ctx=opts["n_ctx"])

    def embedder_factory():
        from .embedding import get_embedder

        return get_embedder()

    cache = runner.run(suite, methods, out, model_factory, embedder_factory, method_limits, opts["seed"],
                       opts["progress"])
    records = report.collect(suite, cache, methods, method_limits)
    scored = None
    if suite.scored and "vanilla" in methods:
        scored = logprob.run(suite.scored, out, model_factory, suite.fingerprint, opts["progress"])
    config = {k: v for k, v in opts.items() if k not in ("api_key", "progress")}
    report.write(out, suite, records, config, groups, scored)
    click.echo((out / "summary.md").read_text(encoding="utf-8"))


def _limits(limit: int | None, splits: tuple[str, ...], overrides: dict[str, int]) -> dict[str, int | None]:
    return {**dict.fromkeys(splits, limit), **overrides}


@eval_group.command()
@click.option("--split", type=click.Choice(["forget01", "forget05", "forget10"]), default="forget01",
              show_default=True)
@eval_options(ALL_METHODS)
def tofu(split, **opts) -> None:
    """TOFU: forget the split's authors; ROUGE-L, leak and refusal rates on forget and utility sets."""
    from .eval import suites

    splits = ("forget", "retain", "real_authors", "world_facts")
    _run(lambda src, limit, over: suites.tofu(src, split, _limits(limit, splits, over)), opts)


@eval_group.command()
@eval_options(ALL_METHODS)
def wmdp(**opts) -> None:
    """WMDP bio and cyber (forget hazardous topics) with MMLU utility; accuracy by parsed letter."""
    from .eval import suites

    _run(lambda src, limit, over: suites.wmdp(src, _limits(limit, ("bio", "cyber", "mmlu"), over),
                                              opts["seed"]), opts)


@eval_group.command()
@eval_options(ALL_METHODS)
def wpu(**opts) -> None:
    """WPU (partial): forget persons, hard-retain and general-retain QA."""
    from .eval import suites

    splits = ("forget", "hard_retain", "general_retain")
    _run(lambda src, limit, over: suites.wpu(src, _limits(limit, splits, over)), opts)


@eval_group.command()
@eval_options(ALL_METHODS)
def attacks(**opts) -> None:
    """Many-shot, target-masking and other-language attacks on the TOFU forget01 authors."""
    from .eval import attacks as attacks_mod

    families = ("many_shot", "masking", "languages")
    _run(lambda src, limit, over: attacks_mod.attacks(src, _limits(limit, families, over)), opts, ("lang", "style"))


@eval_group.command()
@click.option("--sizes", default="1,10,100,1000", show_default=True, help="Numbers of targets.")
@eval_options("alu,alu-paper,prompt")
def scale(sizes, **opts) -> None:
    """Time per query and leak rate as the target list grows (real names plus distractors)."""
    from .eval import attacks as attacks_mod

    try:
        counts = tuple(int(s) for s in sizes.split(","))
    except ValueError:
        raise ConfigError("--sizes takes comma-separated integers") from None
    if not counts or min(counts) < 1:
        raise ConfigError("--sizes must be positive")
    _run(lambda src, limit, over: attacks_mod.scale(src, limit or 5, counts), opts)
