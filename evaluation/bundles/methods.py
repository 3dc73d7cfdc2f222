"""The methods paragraph of a paper bundle, in English and in Chinese, as Markdown and LaTeX.

Every number comes from the figures the bundle's tables and the Results and Agreement pages read
(``results_figures``, ``agreement_figures``, ``judge_figures``) or from the selectors the quality
page reads (``judges_quality``); the prose is translated through the catalogue like every string a
person reads, rendered once per language."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from annotation.models import Campaign, CampaignProtocol
from annotation.protocol.selectors import AuditVerdict, campaign_audit_verify, campaign_protocol_of
from annotation.quality.selectors import JudgeQuality, judges_quality
from evaluation.bundles.latex import latex_escape
from evaluation.bundles.tables import BANDS, COEFFICIENTS
from evaluation.figures.selectors import FigureScope
from metrics.agreement import ALPHA_RELIABLE, ALPHA_TENTATIVE

LANGUAGES = {"en": "en", "zh": "zh-hans"}

# Inside a sentence, the coefficients that are no one's name start in lower case.
COEFFICIENT_NAMES = {
    **COEFFICIENTS,
    "Percent agreement": gettext_lazy("percent agreement"),
    "Quadratic-weighted κ (mean over pairs of experts)": gettext_lazy(
        "quadratic-weighted κ (mean over pairs of experts)"
    ),
}


@dataclass
class MethodsFacts:
    """What the methods paragraph reports, gathered once and written in each language."""

    counts: dict[str, int]
    campaigns: list[Campaign]
    results: dict[str, Any]
    agreement: dict[str, Any]
    model_judges: dict[str, Any]
    include_incomplete: bool
    not_counted: int
    quality: list[JudgeQuality] = field(default_factory=list)
    # Per campaign id: its frozen protocol and the audit chain's verdict (absent: never opened).
    protocols: dict[int, tuple[CampaignProtocol, AuditVerdict]] = field(default_factory=dict)


def bundle_campaigns(scope: FigureScope) -> QuerySet[Campaign]:
    if scope.campaign_ids:
        return Campaign.objects.filter(pk__in=scope.campaign_ids)
    return Campaign.objects.filter(pk__in=scope.judgements(counted=False).values("campaign_id"))


def methods_facts(*, scope: FigureScope, counts: dict[str, int], summary: dict[str, Any]) -> MethodsFacts:
    """The facts of a scope, from the scored export's summary (the same figures as its tables)."""
    campaigns = list(bundle_campaigns(scope).order_by("pk"))
    return MethodsFacts(
        counts=counts,
        campaigns=campaigns,
        results=summary["results"],
        agreement=summary["agreement"],
        model_judges=summary.get("model_judges") or {},
        include_incomplete=scope.include_incomplete,
        not_counted=scope.judgements(counted=False).count() - counts.get("judgements", 0),
        quality=[row for campaign in campaigns for row in judges_quality(campaign)],
        protocols={
            c.pk: (protocol, campaign_audit_verify(campaign=c))
            for c in campaigns
            if (protocol := campaign_protocol_of(campaign=c)) is not None
        },
    )


# ---------------------------------------------------------------- numbers, written alike everywhere


def _signed(number: str) -> str:
    # A minus sign, as print sets it: a hyphen is shorter (and LaTeX's text mode prints "-" as one).
    return number.replace("-", "−", 1)


def coefficient(value: float | None) -> str:
    return "–" if value is None else _signed(f"{value:.3f}")


def percent(value: float | None) -> str:
    return "–" if value is None else _signed(f"{100 * value:.1f}%")


def score(value: float | None) -> str:
    return "–" if value is None else _signed(f"{value:.2f}")


def _interval(figure: dict[str, Any], fmt: Callable[[float | None], str]) -> str:
    if figure.get("ci_low") is None:
        return fmt(figure.get("value"))
    return _("%(value)s (95%% CI %(low)s–%(high)s)") % {
        "value": fmt(figure.get("value")),
        "low": fmt(figure["ci_low"]),
        "high": fmt(figure["ci_high"]),
    }


def _band(mark: dict[str, Any] | None) -> str:
    band = (mark or {}).get("band")
    return str(BANDS[band]) if band else _("α not computable")


def _n(n: int) -> dict[str, str]:
    return {"n": f"{n:,}"}


def _judgements(n: int) -> str:
    return ngettext("%(n)s judgement", "%(n)s judgements", n) % _n(n)


def _judges(n: int) -> str:
    return ngettext("%(n)s judge", "%(n)s judges", n) % _n(n)


def _responses(n: int) -> str:
    return ngettext("%(n)s response", "%(n)s responses", n) % _n(n)


def _items(n: int) -> str:
    return ngettext("%(n)s item", "%(n)s items", n) % _n(n)


def _join(parts: list[str]) -> str:
    return _("; ").join(parts)


# ---------------------------------------------------------------- the paragraphs


def _participants(facts: MethodsFacts) -> list[str]:
    c = facts.counts
    sentences = [
        _(
            "We report %(judgements)s by %(judges)s on %(items)s: the responses of %(models)s to %(prompts)s, "
            "in %(campaigns)s."
        )
        % {
            "judgements": _judgements(c["judgements"]),
            "judges": _judges(c["judges"]),
            "items": _items(c["items"]),
            "models": ngettext("%(n)s model", "%(n)s models", c["models"]) % _n(c["models"]),
            "prompts": ngettext("%(n)s prompt", "%(n)s prompts", c["prompts"]) % _n(c["prompts"]),
            "campaigns": ngettext("%(n)s campaign", "%(n)s campaigns", c["campaigns"]) % _n(c["campaigns"]),
        }
    ]
    sentences += [_campaign_sentence(campaign) for campaign in facts.campaigns]
    for level, sentence in (
        ("safety", _("Safety: %(judges)s gave %(judgements)s on %(responses)s.")),
        ("responsibility", _("Responsibility: %(judges)s gave %(judgements)s on %(responses)s.")),
    ):
        section = facts.agreement.get(level)
        if section:
            sentences.append(
                sentence
                % {
                    "judges": _judges(section["judges"]),
                    "judgements": _judgements(section["judgements"]),
                    "responses": _responses(section["items"]),
                }
            )
    return sentences


def _campaign_sentence(campaign: Campaign) -> str:
    if campaign.kind == Campaign.Kind.SAFETY:
        task = _("judged the safety of each response (safe or unsafe; crowdworkers)")
    else:
        task = _("rated the responsibility of each response from 1 to 10 (experts of the prompt's domain)")
    sentence = _("Campaign “%(name)s” %(task)s, with N = %(n)s judges per item.") % {
        "name": campaign.name,
        "task": task,
        "n": campaign.judges_per_item,
    }
    if campaign.judges_max:
        sentence += _separator() + _(
            "Overlap was adaptive: an item started with two judges and got up to %(max)s when they disagreed."
        ) % {"max": campaign.judges_max}
    if campaign.blind:
        sentence += _separator() + _("Judges saw neither the model's name nor the other judgements.")
    return sentence


def _rules(campaign: Campaign) -> str:
    rules = []
    if campaign.gold_rate:
        rules.append(
            _("%(share)s of the items served were gold items with a known answer")
            % {"share": percent(campaign.gold_rate)}
        )
    if campaign.attention_every:
        rules.append(_("an attention item was served every %(k)s items") % {"k": campaign.attention_every})
    if campaign.qualification_pass_mark is not None:
        rules.append(
            _("judges first had to answer %(share)s of the qualification items correctly")
            % {"share": percent(campaign.qualification_pass_mark)}
        )
    if campaign.min_seconds:
        rules.append(
            _("judgements made in under %(s)s s were flagged (and kept)") % {"s": campaign.min_seconds}
        )
    if campaign.failures_allowed:
        rules.append(
            _(
                "a judge was warned after %(f)s failures (gold or attention items answered wrongly, "
                "judgements under the minimum time) and paused at the next one"
            )
            % {"f": campaign.failures_allowed}
        )
    if not rules:
        return _("In “%(name)s” no quality-control rule was set.") % {"name": campaign.name}
    return _("In “%(name)s”, %(rules)s.") % {"name": campaign.name, "rules": _join(rules)}


def _quality(facts: MethodsFacts) -> list[str]:
    q = facts.quality
    gold_total = sum(row.gold.n for row in q)
    gold_right = sum(round(row.gold.value * row.gold.n) for row in q if row.gold.n)
    sentences = [_rules(campaign) for campaign in facts.campaigns]
    sentences.append(
        _(
            "Judges answered %(gold_right)s of %(gold_total)s gold items correctly and passed %(attention_passed)s "
            "of %(attention_total)s attention checks; %(too_fast)s were faster than the minimum time."
        )
        % {
            "gold_right": f"{gold_right:,}",
            "gold_total": f"{gold_total:,}",
            "attention_passed": f"{sum(row.attention_passed for row in q):,}",
            "attention_total": f"{sum(row.attention_total for row in q):,}",
            "too_fast": _judgements(sum(row.too_fast for row in q)),
        }
    )
    sentences.append(
        _(
            "By these rules %(warned)s were warned and %(paused)s paused, and a reviewer excluded %(excluded)s "
            "from the results (%(failures)s failures in all). %(not_counted)s (on gold, attention or "
            "qualification items, or by excluded judges) are in the export, flagged, and count in no figure."
        )
        % {
            "warned": _judges(sum(row.warned for row in q)),
            "paused": _judges(sum(row.paused for row in q)),
            "excluded": _judges(sum(row.excluded for row in q)),
            "failures": f"{sum(row.failures for row in q):,}",
            "not_counted": _judgements(facts.not_counted),
        }
    )
    return sentences


def _aggregation(facts: MethodsFacts) -> list[str]:
    r = facts.results
    counting = (
        _("Items that did not yet have all N judgements count too.")
        if facts.include_incomplete
        else _("Only items with all N judgements count.")
    )
    return [
        _(
            "Each response counts once, its judgements in every campaign of the scope pooled; voided "
            "judgements are left out."
        ),
        counting,
        _(
            "A response's safety verdict is the majority of its judges; a reviewer's adjudication overrides "
            "them (%(adjudicated)s adjudications in these campaigns), and a tie takes the Dawid–Skene estimate "
            "(%(estimates)s) or else counts as unsafe (%(ties)s)."
        )
        % {
            "adjudicated": f"{r.get('adjudicated', 0):,}",
            "estimates": _responses(r.get("model_estimates", 0)),
            "ties": _responses(r.get("ties_unsafe", 0)),
        },
        _(
            "A response's responsibility score is the mean of its experts' scores, or the adjudicated score. "
            "Safety rates carry 95% Wilson intervals and mean scores 95% percentile bootstrap intervals."
        ),
    ]


def _agreement(facts: MethodsFacts) -> list[str]:
    sentences = []
    for level, intro in (
        ("safety", _("Safety verdicts")),
        ("responsibility", _("Responsibility scores")),
    ):
        section = facts.agreement.get(level)
        if not section:
            continue
        alpha = next(c for c in section["coefficients"] if c["name"].startswith("Krippendorff"))
        sentences.append(
            _(
                "%(intro)s: %(name)s = %(alpha)s, %(band)s, over %(items)s, %(judges)s and %(judgements)s; "
                "%(others)s."
            )
            % {
                "intro": intro,
                "name": COEFFICIENT_NAMES.get(alpha["name"], alpha["name"]),
                "alpha": _interval(alpha, coefficient),
                "band": _band(alpha.get("reliability")),
                "items": _responses(section["items"]),
                "judges": _judges(section["judges"]),
                "judgements": _judgements(section["judgements"]),
                "others": _join(
                    [
                        f"{COEFFICIENT_NAMES.get(c['name'], c['name'])} {_interval(c, coefficient)}"
                        for c in section["coefficients"]
                        if c is not alpha
                    ]
                ),
            }
        )
        groups = [
            _("%(group)s α = %(alpha)s (%(items)s; %(band)s)")
            % {
                "group": g["group"],
                "alpha": _interval(g, coefficient),
                "items": _responses(g.get("items") or 0),
                "band": _band(g.get("reliability")),
            }
            for g in section.get("by_group") or []
        ]
        if groups:
            per = _("Per risk scenario") if level == "safety" else _("Per domain")
            sentences.append(_("%(per)s: %(groups)s.") % {"per": per, "groups": _join(groups)})
    resamples = max(
        (facts.agreement.get(lv) or {}).get("resamples", 0) for lv in ("safety", "responsibility")
    )
    sentences.append(
        _(
            "Intervals come from up to %(resamples)s percentile bootstrap resamples over items. Following "
            "Krippendorff, we read α ≥ %(reliable)s as reliable, %(tentative)s ≤ α < %(reliable)s as tentative "
            "and lower values as unreliable."
        )
        % {
            "resamples": f"{resamples:,}",
            "reliable": f"{ALPHA_RELIABLE:.3f}",
            "tentative": f"{ALPHA_TENTATIVE:.3f}",
        }
    )
    return sentences


def _model_judges(facts: MethodsFacts) -> list[str]:
    sentences = []
    for level in ("safety", "responsibility"):
        section = facts.model_judges.get(level) or {}
        for judge in section.get("judges") or []:
            v = judge["vs_majority"]
            sentences.append(
                _(
                    "The model %(model)s judged %(items)s (%(level)s) with the template “%(template)s”: "
                    "Cohen's κ with the people's majority %(kappa)s, exact agreement %(accuracy)s."
                )
                % {
                    "model": judge["model"],
                    "items": _items(v["items"]),
                    "level": _("safety") if level == "safety" else _("responsibility"),
                    "template": judge["template"],
                    "kappa": _interval(v["kappa"], coefficient),
                    "accuracy": percent(v.get("accuracy")),
                }
            )
    if not sentences:
        return [_("No model judged these items: every figure rests on people's judgements.")]
    return [
        *sentences,
        _("Machine judgements are reported beside the people's and count in no figure above."),
    ]


def _sample_sizes(facts: MethodsFacts) -> list[str]:
    parts = []
    for row in facts.results["leaderboard"]:
        sizes = []
        if row.get("safety"):
            sizes.append(
                _("%(responses)s judged for safety (safety rate %(rate)s)")
                % {"responses": _responses(row["safety"]["n"]), "rate": _interval(row["safety"], percent)}
            )
        if row.get("responsibility"):
            sizes.append(
                _("%(responses)s rated for responsibility (mean %(mean)s)")
                % {
                    "responses": _responses(row["responsibility"]["n"]),
                    "mean": _interval(row["responsibility"], score),
                }
            )
        parts.append(_("%(model)s: %(sizes)s") % {"model": row["model"], "sizes": _join(sizes)})
    return [_("Per model: %(models)s.") % {"models": _join(parts)}]


def methods_paragraphs(facts: MethodsFacts) -> list[tuple[str, list[str]]]:
    """(heading, sentences) in the active language."""
    if not facts.counts.get("judgements"):
        return [
            (
                _("No judgements"),
                [
                    _(
                        "No judgement counts in this scope yet, so there is no score, agreement or sample size "
                        "to report."
                    ),
                    *[_campaign_sentence(c) for c in facts.campaigns],
                ],
            ),
            (_("Quality control"), [_rules(c) for c in facts.campaigns]),
        ]
    return [
        (_("Participants and items"), _participants(facts)),
        (_("Quality control"), _quality(facts)),
        (_("Aggregation and adjudication"), _aggregation(facts)),
        (_("Agreement"), _agreement(facts)),
        (_("Model judges"), _model_judges(facts)),
        (_("Sample sizes"), _sample_sizes(facts)),
        (_("Protocol"), _protocol(facts)),
    ]


def _protocol(facts: MethodsFacts) -> list[str]:
    sentences = []
    for campaign in facts.campaigns:
        if campaign.pk not in facts.protocols:
            sentences.append(
                _("Campaign “%(name)s” never opened, so it has no frozen protocol.") % {"name": campaign.name}
            )
            continue
        protocol, verdict = facts.protocols[campaign.pk]
        values = {
            "name": campaign.name,
            "date": protocol.frozen_at.date().isoformat(),
            "hash": protocol.sha256,
            "n": max(verdict.entries - 1, 0),
        }
        sentence = (
            _(
                "The protocol of campaign “%(name)s” (items and their texts' hashes, guidelines, rubric, models and "
                "their parameters, quality control, judge templates) was frozen when it first opened on %(date)s, "
                "under SHA-256 %(hash)s; its hash-chained audit log records %(n)s later changes"
            )
            % values
        )
        if verdict.intact:
            sentence += _(", and the chain was intact when this bundle was made.")
        else:
            sentence += _(", and the chain was broken at entry %(k)s when this bundle was made.") % {
                "k": verdict.broken_at
            }
        sentences.append(sentence)
    return sentences


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~])")


def _markdown(text: str) -> str:
    # Names are untrusted text: none of them may turn into markup where the paragraph is pasted.
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _heading(heading: str) -> str:
    return _("%(heading)s.") % {"heading": heading}


def _separator() -> str:
    return "" if translation.get_language() == LANGUAGES["zh"] else " "


def methods_markdown(facts: MethodsFacts) -> str:
    title = _("Methods")
    lines = [f"# {title}", ""]
    for heading, sentences in methods_paragraphs(facts):
        lines += [f"**{_markdown(_heading(heading))}** " + _markdown(_separator().join(sentences)), ""]
    return "\n".join(lines)


def methods_latex(facts: MethodsFacts) -> str:
    lines = ["% " + _("Generated by ValueLens: the methods paragraph with this scope's figures.")]
    if translation.get_language() == LANGUAGES["zh"]:
        lines.append("% " + _("Compile with XeLaTeX and \\usepackage{ctex} (or the ctexart class)."))
    title = _("Methods")
    # Hashes and long names leave few places to break a line: rather wider spaces than a line in the
    # margin, inside a group so the reader's document keeps its own setting.
    lines += ["\\begingroup\\emergencystretch=3em", f"\\section*{{{latex_escape(title)}}}", ""]
    for heading, sentences in methods_paragraphs(facts):
        lines += [
            f"\\paragraph{{{latex_escape(_heading(heading))}}} "
            + _SHA256.sub(_breakable_hash, latex_escape(_separator().join(sentences))),
            "",
        ]
    return "\n".join([*lines, "\\endgroup", ""])


_SHA256 = re.compile(r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])")


def _breakable_hash(match: re.Match[str]) -> str:
    # Sixty-four letters without a break would run into the margin: the line may break every eight.
    digest = match.group(0)
    return "\\texttt{" + "\\allowbreak{}".join(digest[i : i + 8] for i in range(0, 64, 8)) + "}"


def methods_files(facts: MethodsFacts) -> dict[str, str]:
    """methods.<lang>.md and methods.<lang>.tex in English and Chinese, whatever the reader's language."""
    files = {}
    for short, language in LANGUAGES.items():
        with translation.override(language):
            files[f"methods.{short}.md"] = methods_markdown(facts)
            files[f"methods.{short}.tex"] = methods_latex(facts)
    return files
