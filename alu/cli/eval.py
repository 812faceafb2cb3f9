"""`alu eval`: benchmarks and attacks with baselines side by side (a thin layer over alu.eval)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from ..errors import ConfigError
from ..eval.methods import METHODS
from ..eval.settings import EvalSettings, method_list
from ..models import ModelSettings
from .options import settings_options

SCALE_METHODS = "alu,alu-paper,prompt"


def eval_options(command: Callable) -> Callable:
    """The options every `alu eval` command takes: the run's settings and the backbone's."""
    return settings_options(EvalSettings, "settings")(settings_options(ModelSettings, "models",
                                                                        exclude=("agent_model",))(command))


@click.group(name="eval")
def eval_group() -> None:
    """Evaluate unlearning methods on TOFU, WMDP+MMLU, WPU, attacks and target-list scale."""


def _run(build_suite: Callable, settings: EvalSettings, models: ModelSettings, groups: tuple[str, ...] = (),
         default_methods: str = ",".join(METHODS), needs_data: bool = True) -> None:
    from ..embedding import get_embedder
    from ..eval import logprob, report, runner, suites
    from ..eval.data import Source

    if not settings.out:
        raise ConfigError("--out DIR is required: where the results go (re-running with the same one resumes)")
    methods = list(method_list(settings.methods or default_methods))
    source = Source(Path(settings.data_dir) if settings.data_dir else None, settings.source) if needs_data else None
    suite = build_suite(source, settings.limit, settings.split_limit)
    if not settings.knowledge:
        suite = suites.without_knowledge(suite)
    if settings.max_tokens is not None:
        suite.max_tokens = settings.max_tokens
    out = Path(settings.out)
    backbone = runner.backbone_of(models)
    cache = runner.run(suite, methods, out, backbone, get_embedder, settings.method_limit, settings.seed,
                       settings.progress)
    records = report.collect(suite, cache, methods, settings.method_limit, backbone, settings.seed)
    scored = None
    if suite.scored and "vanilla" in methods:
        scored = logprob.run(suite.scored, out, backbone, settings.progress)
    config = {**{k: v for k, v in vars(settings).items() if k != "progress"},
              "model": models.model, "base_url": models.base_url, "n_ctx": models.n_ctx}
    report.write(out, suite, records, config, groups, scored)
    click.echo((out / "summary.md").read_text(encoding="utf-8"))


def _limits(limit: int | None, splits: tuple[str, ...], overrides: dict[str, int]) -> dict[str, int | None]:
    return {**dict.fromkeys(splits, limit), **overrides}


@eval_group.command()
@click.option("--split", type=click.Choice(["forget01", "forget05", "forget10"]), default="forget01",
              show_default=True)
@eval_options
def tofu(split: str, settings: EvalSettings, models: ModelSettings) -> None:
    """TOFU: forget the split's authors; ROUGE-L, leak and refusal rates on forget and utility sets."""
    from ..eval import suites

    splits = ("forget", "retain", "real_authors", "world_facts")
    _run(lambda src, limit, over: suites.tofu(src, split, _limits(limit, splits, over)), settings, models)


@eval_group.command()
@click.option("--description-only", is_flag=True,
              help="Register the topics by their description alone, without example questions (zero-shot).")
@eval_options
def wmdp(description_only: bool, settings: EvalSettings, models: ModelSettings) -> None:
    """WMDP bio and cyber (forget two hazardous topics) with MMLU utility; accuracy by parsed letter.
    `--split-limit mmlu_near=N` also asks N MMLU questions of the subjects next to the topics (virology, biology,
    medical genetics, computer security, chemistry), reported per subject."""
    from ..eval import suites

    splits = ("bio", "cyber", "mmlu")  # and suites.NEAR, asked only when --split-limit gives it a size
    _run(lambda src, limit, over: suites.wmdp(src, _limits(limit, splits, over), settings.seed,
                                              examples=not description_only), settings, models, ("neighbour",))


@eval_group.command()
@eval_options
def wpu(settings: EvalSettings, models: ModelSettings) -> None:
    """WPU (partial): forget persons, hard-retain and general-retain QA."""
    from ..eval import suites

    splits = ("forget", "hard_retain", "general_retain")
    _run(lambda src, limit, over: suites.wpu(src, _limits(limit, splits, over)), settings, models)


@eval_group.command()
@eval_options
def attacks(settings: EvalSettings, models: ModelSettings) -> None:
    """Many-shot, masking, other-language, paraphrased, injection, multi-turn and sampling (leak@8) attacks on the
    TOFU forget01 authors."""
    from ..eval import attacks as attacks_mod

    _run(lambda src, limit, over: attacks_mod.attacks(src, _limits(limit, attacks_mod.FAMILIES, over)), settings,
         models, ("lang", "style"))


@eval_group.command()
@eval_options
def mixed(settings: EvalSettings, models: ModelSettings) -> None:
    """Questions that join a forgotten part and a kept part (TOFU authors, WPU persons, WMDP topics): the kept part's
    ROUGE-L, and leaks of the forgotten part."""
    from ..eval import mixed as mixed_mod

    _run(lambda src, limit, over: mixed_mod.mixed(src, _limits(limit, mixed_mod.PARTS, over)), settings, models,
         ("forgotten_first",))


@eval_group.command()
@click.option("--targets", "targets_file", required=True, type=click.Path(dir_okay=False),
              help="The forget list: a targets file (.txt, .jsonl or .csv, as `alu targets import` reads).")
@click.option("--forget", "forget_file", required=True, type=click.Path(dir_okay=False),
              help="Questions whose answers must not reveal the targets: .jsonl (`question`, optional `answer`) "
              "or text, one a line.")
@click.option("--retain", "retain_file", required=True, type=click.Path(dir_okay=False),
              help="Questions that must still be answered, in the same formats.")
@click.option("--gold", is_flag=True, help="Every question carries a gold `answer`: score ROUGE-L and fact leaks "
              "(without it, answers in the files are used where given).")
@eval_options
def custom(targets_file: str, forget_file: str, retain_file: str, gold: bool, settings: EvalSettings,
           models: ModelSettings) -> None:
    """Your own forget list: leaks and refusals on your forget questions, answers kept on your retain questions."""
    from ..eval import suites
    from ..eval.data import read_questions
    from ..targets.files import load_targets_file

    targets = load_targets_file(targets_file)
    forget, retain = read_questions(forget_file, gold), read_questions(retain_file, gold)
    _run(lambda _, limit, over: suites.custom(targets, forget, retain, _limits(limit, ("forget", "retain"), over)),
         settings, models, needs_data=False)


@eval_group.command()
@click.option("--sizes", default="1,10,100,1000", show_default=True, help="Numbers of targets.")
@eval_options
def scale(sizes: str, settings: EvalSettings, models: ModelSettings) -> None:
    """Time per query and leak rate as the target list grows (real names plus distractors)."""
    from ..eval import attacks as attacks_mod

    try:
        counts = tuple(int(s) for s in sizes.split(","))
    except ValueError:
        raise ConfigError("--sizes takes comma-separated integers") from None
    if not counts or min(counts) < 1:
        raise ConfigError("--sizes must be positive")
    _run(lambda src, limit, over: attacks_mod.scale(src, limit or 5, counts), settings, models,
         default_methods=SCALE_METHODS)
