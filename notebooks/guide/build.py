"""Write and execute the guide notebooks (``notebooks/guide/NN_*.ipynb``).

Each guide teaches one idea of the framework on the sample data: what the method
answers for a client, its assumptions, and how to read the output. The notebooks are
generated from the cells below so that their text and code are reviewed here, then
executed in the ``cxlab`` kernel (``make refresh`` runs this script) and committed with
their outputs, which nbval checks (``make test``). Analysis goes through the package's
public API only; notebooks show and explain.

Run from the repository root::

    python notebooks/guide/build.py            # write and execute every guide
    python notebooks/guide/build.py 03 05      # only the guides whose number is given
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent

SETUP = """\
import warnings

import pandas as pd

import cxlab
from cxlab.datasets import sample_files
from cxlab.params import project_root

pd.set_option("display.precision", 2)
pd.set_option("display.max_colwidth", 80)
pd.set_option("display.width", 160)
warnings.simplefilter("ignore", cxlab.errors.DataQualityWarning)
DATA = project_root() / "data" / "sample"
files = sample_files("banking")"""

BANK = """\
survey = cxlab.load_survey(files["data_path"], files["codebook"])"""


def md(text: str):
    return nbformat.v4.new_markdown_cell(text.strip())


def code(text: str):
    return nbformat.v4.new_code_cell(text.strip())


GUIDES: dict[str, tuple[str, list]] = {}


def guide(name: str, title: str, *cells) -> None:
    GUIDES[name] = (title, [md(f"# {title}"), *cells])


# ----------------------------------------------------------------------------- 01
guide(
    "01_bring_your_own_survey",
    "Bring your own survey",
    md("""
**What this answers for a client**: *can we trust this data, and does the tool read it the
way the questionnaire meant?* Before any statistic, cxlab reads a survey file (CSV, Excel
or SPSS `.sav`) through a **codebook**, a YAML file that names each column's role:
respondent id, weights, demographics, respondent-level items (such as `recommend`), the
customer events of the Customer Event Map and the items rated for each event, the
missing-value codes and the personal-data columns. Every value is checked against it;
problems are reported together, naming the file, column, rows and rule.

This guide loads the sample bank's survey, shows what cxlab made of it, drafts a codebook
for a raw export, and shows what a bad file produces. The codebook reference is
`docs/codebook.md`.
"""),
    code(SETUP),
    md("""
## Load a survey with its codebook

`load_survey` returns a `Survey`. In a notebook it shows as a card: the bases (respondents,
events, respondent-event ratings), the lifecycle stages, how many tactile and emotive
attributes were rated, the weight column and the data-quality flags. Personal data (names,
e-mails, phones, free text) is kept apart in `survey.personal` and never used.
"""),
    code(BANK + "\nsurvey"),
    md("""
**How to read it**: 631 respondents rated between one and seven events each; the card's
flags come from `survey.quality`, one row per check. A flag is information, not an
exclusion: decide with the client whether speeders or straight-liners are dropped
(`survey.subset(...)`) before the analysis.
"""),
    code('survey.quality[["check", "n_flagged", "share", "detail"]]'),
    code(
        'survey.events[["event_id", "name", "stage", "channel"]]'
    ),
    md("""
The analyses read two tidy frames: `survey.respondents` (one row per respondent) and
`survey.event_table()` (one row per respondent and rated event, with the `tactile` and
`emotive` composites, `performance`, `satisfaction` and the two expectation gaps).
"""),
    code(
        'et = survey.event_table()\n'
        'et.groupby("event_id", observed=True)[["tactile", "emotive", "satisfaction", "brand_gap"]].mean()'
    ),
    md("""
## Draft a codebook for a raw export

A real export rarely has tidy names. `cxlab.codebook_draft.draft_codebook` reads a file and
writes a commented first draft of its codebook (roles guessed from names and values,
missing codes such as 98/99 proposed, personal-data columns flagged). It is a starting
point to correct, never used unchecked. Here is the start of the draft for the sample's
messy survey-platform export:
"""),
    code(
        "from cxlab.codebook_draft import draft_codebook\n\n"
        'draft = draft_codebook(DATA / "messy" / "qualtrics_export.csv")\n'
        'print("\\n".join(draft.splitlines()[:30]))'
    ),
    md("""
The corrected codebook (`data/sample/messy/qualtrics_export_codebook.yaml`) declares the
missing codes `98`, `99` and `-99`; they become missing values, not ratings of 98.
"""),
    code(
        'messy = cxlab.load_survey(DATA / "messy" / "qualtrics_export.csv",\n'
        '                          DATA / "messy" / "qualtrics_export_codebook.yaml")\n'
        "messy"
    ),
    md("""
## What a bad file produces

Problems are collected and raised together as one `cxlab.errors` exception (here a
`DataError`), each naming the column, the rows and the rule. The values of personal-data
columns never appear in a message. Below, three ratings are set out of range in a copy of the
sample file (two ratings of 42 and one of -5):
"""),
    code(
        "import tempfile\nfrom pathlib import Path\n\n"
        'raw = pd.read_csv(files["data_path"])\n'
        'raw.loc[[3, 7], "q1_sig"] = 42  # significance of event 1, on a 1-10 scale\n'
        'raw.loc[5, "q2_sat"] = -5  # satisfaction with event 2\n'
        "folder = Path(tempfile.mkdtemp())\n"
        'raw.to_csv(folder / "bad.csv", index=False)\n'
        "try:\n"
        '    cxlab.load_survey(folder / "bad.csv", files["codebook"])\n'
        "except cxlab.errors.CxlabError as error:\n"
        '    print(type(error).__name__ + ":", str(error).replace(str(folder), "FOLDER"))'
    ),
    md("""
**Assumptions**: the codebook is the truth about the file; cxlab does not guess silently.
Scales are declared per item (1-10, 0-10, 1-5...), and every composite and cut point is
read on the declared scale. Next: [weighting and estimates](02_weighting_and_estimates.ipynb).
"""),
)

# ----------------------------------------------------------------------------- 02
guide(
    "02_weighting_and_estimates",
    "Weighting and estimates",
    md("""
**What this answers for a client**: *what does the customer base (not just the people who
answered) think, and how sure are we?* A sample rarely mirrors the population: here,
younger customers answered less often. **Raking** adjusts the respondents' weights until
the weighted sample matches known population margins (age band, country...); every
estimate is then weighted, with a design-based confidence interval, and any figure whose
**unweighted base** is under `min_base` (30 by default) is suppressed rather than shown.
"""),
    code(SETUP + "\nimport yaml\n\n" + BANK),
    md("""
## Rake to the population margins

The margins are one YAML file per client: for each variable, the population share of each
category. `rake` starts from the design weights and iterates until every margin is met.
"""),
    code(
        'margins = yaml.safe_load((DATA / "clients" / "targets" / "banking_margins.yaml").read_text())\n'
        'raked = cxlab.weighting.rake(survey.respondents, margins, weights="weight")\n'
        "raked"
    ),
    md("""
**How to read it**: `converged` says the margins were met (`max_margin_error` near zero).
The **design effect** (Kish, 1 + CV² of the weights) says how much precision the weighting
costs: the `n_effective` respondents are what the intervals are worth. A design effect above
about 2, or a max/mean weight ratio above 5, calls for bounds (`bounds=`, `max_ratio=`) or
fewer margins. The chart compares sample, target and weighted shares.
"""),
    code("ax = raked.plot()"),
    md("""
## Weighted estimates with intervals and suppression

`survey.with_weights` gives the same survey with the raked weights. The estimate functions
(`cxlab.estimates.weighted_mean`, `weighted_proportion`, `weighted_top_box`) return tidy
tables: `estimate`, `ci_low`, `ci_high`, the unweighted base `n`, and `suppressed`.
Intervals are design-based (linearised, clustered by respondent for event-level rows).
"""),
    code(
        "weighted = survey.with_weights(raked.weights.to_numpy())\n"
        'cxlab.estimates.weighted_mean(weighted.event_table(), "satisfaction", by="event_id", min_base=30)'
    ),
    md("""
Net advocacy (the share of advocates minus the share of antagonists, in points) by country,
with a minimum base of 100 to show suppression: a row under the base keeps its label and
base `n` but loses its numbers, and `suppressed` says so. A second row is suppressed too
(complementary suppression), so that the small one cannot be recomputed from the total and
the other rows.
"""),
    code(
        'resp = weighted.respondents\n'
        'cxlab.segments.net_advocacy("recommend", "weight", by="country", data=resp, min_base=100)'
    ),
    md("""
**Assumptions**: the margins describe the population the client wants to talk about;
raking corrects for the variables in the margins, not for anything else that drove
non-response. Suppression protects both privacy and the reader: never quote a suppressed
figure. Next: [emotive vs tactile by investment](03_emotive_vs_tactile_by_investment.ipynb).
"""),
)

# ----------------------------------------------------------------------------- 03
guide(
    "03_emotive_vs_tactile_by_investment",
    "Emotive vs tactile performance by personal investment",
    md("""
**What this answers for a client**: *when does how we make customers feel matter more than
what we deliver?* The framework splits each event's performance into **tactile**
attributes (speed, accuracy, ease: what was done) and **emotive** ones (feeling valued,
trust, confidence: how it felt), and predicts that the weight of emotive performance
rises with the customer's **personal investment** in the event (a mortgage decision, a
problem resolved, against a monthly statement).

`cxlab.drivers.investment_weighting` tests that: satisfaction with each event is regressed
on tactile and emotive performance, each interacted with personal investment (weighted
least squares, standard errors clustered by respondent, as each respondent rates several
events).
"""),
    code(SETUP + "\n" + BANK),
    code(
        'model = cxlab.drivers.investment_weighting(survey.event_table(), weights="weight", min_base=30)\n'
        "model"
    ),
    md("""
**How to read it**: the **moderation test** asks whether the two weights change with
investment at all (a small p-value: they do). The **crossover** is the investment level
above which emotive performance carries more weight than tactile, with its interval; it is
missing when the lines do not cross in the observed range. The chart shows both weights
with 95% bands across investment.
"""),
    code("ax = model.plot()"),
    md("""
Per event, at each event's mean investment: the two weights, their ratio with a Fieller
interval, and a plain statement. A ratio whose interval excludes 1 is `significant`.
"""),
    code(
        'by_event = model.by_event.merge(survey.events[["event_id", "name"]], on="event_id")\n'
        'by_event[["name", "investment", "tactile_weight", "emotive_weight", "ratio", "ratio_ci_low",\n'
        '          "ratio_ci_high", "significant"]].sort_values("investment")'
    ),
    code('print(model.describe())'),
    md("""
**Assumptions**: a linear effect of each composite on satisfaction, changing linearly with
investment; tactile and emotive composites measure two distinct things (check with
`cxlab.reliability.factor_structure(survey).distinct`). High-investment events with a
ratio above 1 are where training and tone (emotive) pay off more than process fixes.
Next: [key drivers](04_key_drivers.ipynb).
"""),
)

# ----------------------------------------------------------------------------- 04
guide(
    "04_key_drivers",
    "Key drivers: Shapley relative importance and penalty-reward",
    md("""
**What this answers for a client**: *which parts of the experience move the overall
outcome most?* Drivers are correlated with each other, so regression coefficients split
their shared effect arbitrarily. **Relative importance** (Shapley / LMG) gives each driver
its share of the explained variance (R²), averaged over every order in which the drivers
could enter the model; Johnson's relative weights approximate it for many drivers.
**Penalty-reward** analysis asks a different question: does a *low* rating hurt more than a
*high* rating helps (a basic, expected factor) or the reverse (an exciter)?

This guide uses the sample utility's satisfaction survey: overall satisfaction and four
index scores (image, expectations, quality, value).
"""),
    code(SETUP),
    code(
        'util = cxlab.load_survey(DATA / "satisfaction.csv", DATA / "satisfaction_codebook.yaml")\n'
        'drivers = ["image_index", "expectations_index", "quality_index", "value_index"]\n'
        "shapley = cxlab.importance.relative_importance(\n"
        '    util.respondents, "overall_satisfaction", drivers, method="shapley",\n'
        '    weights="weight", n_boot=100, seed=0)\n'
        "shapley"
    ),
    md("""
**How to read it**: `share` is each driver's part of the explained variance (they add to
1), with bootstrap intervals (`share_ci_low`, `share_ci_high`, 100 resamples here; use more
for a report). Overlapping intervals mean the ranking between those drivers is not
settled. `beta` and `sign` show the direction. Shapley is exact up to about 20 drivers;
`method="johnson"` is the fast approximation.
"""),
    code(
        "from cxlab.analysis import plot_key_drivers\n\n"
        'ax = plot_key_drivers(shapley, outcome="overall_satisfaction")'
    ),
    md("""
## Penalty-reward

Each attribute's rating is split into low (here 5 or under on the 1-10 scale), middle and
high (9 or over); the *penalty* is how much lower overall satisfaction is for a low rating
than for a middle one, the *reward* how much higher for a high one. A penalty significantly
larger than the reward marks a **basic**, a reward significantly larger an **exciter**;
otherwise the attribute is a **performance** factor (more is better, roughly evenly). Here,
the perceived-quality and value items:
"""),
    code(
        'items = ["qual1", "qual2", "qual3", "qual4", "val1", "val2"]\n'
        'pr = cxlab.importance.penalty_reward(util.respondents, "overall_satisfaction", items,\n'
        '                                     low=5, high=9, weights="weight")\n'
        'pr[["attribute", "n_low", "n_high", "penalty", "penalty_p", "reward", "reward_p", "difference_p", "category"]]'
    ),
    md("""
**How to read it**: in this sample no item's penalty and reward differ significantly
(`difference_p`), so all are performance factors; `n_low` and `n_high` are the bases of
the contrasts, and a small one makes its estimate fragile.

**Assumptions**: the drivers and the outcome are measured on interval scales; importance is
about association in this sample, not proof of cause. Basics must be kept at par
(don't overlook them); exciters are where to differentiate.
Next: [advocates and antagonists](05_advocates_and_antagonists.ipynb).
"""),
)

# ----------------------------------------------------------------------------- 05
guide(
    "05_advocates_and_antagonists",
    "Advocates, neutrals, antagonists and agitators",
    md("""
**What this answers for a client**: *how many customers speak for us or against us, what
are they worth, and what moves them?* The framework groups customers by their
likelihood to recommend (0-10): **advocates** (9-10), **neutrals** (7-8) and **antagonists**
(0-6); antagonists who complained or warned others are **agitators**. **Net advocacy** is
the share of advocates minus the share of antagonists (and agitators), in points.
"""),
    code(SETUP + "\n" + BANK + '\nresp = survey.respondents\nagitator = cxlab.segments.agitator_flags(resp)'),
    code(
        'cxlab.segments.advocacy_shares(resp["recommend"], resp["weight"], agitator=agitator, min_base=30)'
    ),
    code(
        'cxlab.segments.net_advocacy("recommend", "weight", by="life_stage", data=resp,\n'
        "                             agitator=agitator, min_base=30)"
    ),
    md("""
**How to read it**: the shares carry 95% intervals; net advocacy by segment shows where
it is weak, with suppressed rows for segments under the minimum base.

## What each group is worth

`advocacy_economics` compares spend, tenure, referrals and cost to serve across the groups
(weighted means with intervals, and the ratio to neutrals); `customer_value` turns them
into the value of moving one customer from each group to advocacy, with a bootstrap
interval.
"""),
    code(
        "groups = cxlab.segments.classify_advocacy(resp[\"recommend\"], agitator=agitator)\n"
        "eco = cxlab.economics.advocacy_economics(resp, group=groups, min_base=30)\n"
        'eco[["advocacy_group", "measure", "mean", "ci_low", "ci_high", "ratio_to_neutral"]]'
    ),
    code("cxlab.economics.customer_value(resp, group=groups, n_boot=100, seed=0)"),
    md("""
## What drives advocacy

`advocacy_drivers` fits a weighted ordinal logit of the advocacy group on each event's
satisfaction: `advocate_pp` is the change in the chance of being an advocate per point of
event satisfaction (percentage points), with its interval, and `antagonist_pp` the same for
antagonism. Events at the top are where improvement turns antagonists into advocates.
"""),
    code(
        "ad = cxlab.advocacy_drivers.advocacy_drivers(survey, group=groups, min_base=30)\n"
        "ad"
    ),
    code('ax = ad.plot(names=dict(zip(survey.events["event_id"], survey.events["name"])))'),
    md("""
## Scoring the whole customer file

A survey reaches a few hundred customers; `cxlab.scoring.fit_scorer` learns the advocacy
group from fields the client's customer file also holds (spend, tenure, product usage...),
cross-validated, so that every customer can be scored. Read the held-out metrics before
using the scores: a scorer barely better than the base rate is not worth deploying.
"""),
    code("scorer = cxlab.scoring.fit_scorer(resp, seed=0)\nscorer"),
    md("""
**Assumptions**: the 9-10 / 7-8 / 0-6 cut points are the standard ones on a 0-10 scale
(other scales are mapped; the codebook can set them); economics are associations
across groups, not the effect of converting a particular customer. Next: [moments of
truth, the event map and the value case](06_moments_event_map_value_case.ipynb).
"""),
)

# ----------------------------------------------------------------------------- 06
guide(
    "06_moments_event_map_value_case",
    "Moments of truth, the Customer Event Map and the value case",
    md("""
**What this answers for a client**: *which events should we act on, how, and what is it
worth?* Each event gets an **importance** (from its significance, the customers' personal
investment and its impact on advocacy) and two **expectation gaps**: performance against
the brand's promise (`brand_gap`) and against the baseline any provider must meet
(`baseline_gap`). Rules turn these into one course of action per event: **delight**
(important, meeting the baseline: exceed the brand promise), **fix** (important, below
expectations), **right-size** (over-delivering where it matters little), **don't overlook
the basics** (below the baseline) or **maintain**. Important events are the **moments of
truth**.
"""),
    code(SETUP + "\n" + BANK),
    code(
        "priorities = cxlab.priorities.prioritize(survey, min_base=30)\n"
        'priorities[["name", "action", "moment_of_truth", "importance", "brand_gap", "baseline_gap", "base", "reason"]]'
    ),
    code("print(cxlab.priorities.moments_of_truth(priorities))"),
    md("""
**How to read it**: each row's `reason` quotes the numbers behind its action; gaps carry
intervals in the full table (`brand_gap_ci_low`...). The rules are written out by
`cxlab.priorities.describe_rules()` and can be changed with `cxlab.priorities.Rules`.

## The Customer Event Map

The map lays the events out by lifecycle stage (or channel), coloured by course of action;
events under the minimum base are greyed out. `lens_map` regroups the same events by the
loyalty, retention and pain driver, or by the initiative that enables them.
"""),
    code("ax = cxlab.eventmap.event_map(priorities, min_base=30)"),
    code("ax = cxlab.eventmap.quad_map(priorities)"),
    md("""
## The value case

`value_case` values carrying out each event's action: the lift in satisfaction the action
aims at moves customers between advocacy groups (through the advocacy model), which moves
spend and cost to serve; over the horizon (3 years, 8% discount rate by default) that is a
benefit, and with improvement costs a net present value and a return on investment, each
with a bootstrap interval (`n_boot=50` here to keep the guide fast; a report uses 200 or
more). Without a customer base the figures are per 1,000 customers.
"""),
    code(
        'costs = pd.read_csv(files["improvement_costs"])\n'
        "value = cxlab.valuecase.value_case(survey, costs, diagnosis=priorities, customers=100_000,\n"
        '                                   currency="USD", n_boot=50, seed=0)\n'
        "value"
    ),
    code("ax = value.plot()"),
    code("value.describe_assumptions()"),
    md("""
**Assumptions**: the lift is what the action can achieve (a scenario, `lift=`), the
relation between satisfaction and advocacy seen across customers holds when one customer
improves, and costs are the client's estimates. `p_positive` is the share of bootstrap
draws with a positive NPV: read it before the point estimate.
Next: [the customer focused enterprise](07_cfe.ipynb).
"""),
)

# ----------------------------------------------------------------------------- 07
guide(
    "07_cfe",
    "The customer focused enterprise (CFE) assessment and the promise gap",
    md("""
**What this answers for a client**: *is the organisation built to deliver the experience
it promises?* Executives rate their company's current and target maturity on the CFE
indicators, grouped in competencies (customer authority, dialogue, insight...), 1-5. The
assessment reports maturity per competency with intervals, the weakest indicators, how far
top and middle management agree, and the **promise gap**: executives who say they fulfil
the brand promise set against the share of customers whose ratings meet the brand
expectation.
"""),
    code(SETUP + "\n" + BANK),
    code(
        'executives = cxlab.cfe.load_executive_survey(files["executive_data"])\n'
        'cfe = cxlab.cfe.assess(executives, survey, industry="banking", min_base=30)\n'
        "cfe"
    ),
    code('cfe.table[["name", "n", "current", "current_ci_low", "current_ci_high", "target", "gap"]]'),
    code("ax = cfe.plot()"),
    code('print(cfe.verdict)'),
    code('ax = cfe.plot(kind="promise")'),
    md("""
**How to read it**: the largest current-to-target gaps are the capabilities to build; wide
intervals or low agreement between top and middle management mean the executives do not
share one picture. A large promise gap (executives far more confident than customers) is
the most direct warning in the assessment.

**Assumptions**: executives answered candidly and represent the organisation; the promise
gap compares two different questions, so read it as a direction, not a precise difference.
Next: [tracking](08_tracking.ipynb).
"""),
)

# ----------------------------------------------------------------------------- 08
guide(
    "08_tracking",
    "Tracking: what changed between waves, why, and did the actions work",
    md("""
**What this answers for a client**: *are we getting better, is the change real, and did
what we did last year work?* A tracking study repeats the survey in waves. cxlab compares
each wave with the one before (or a base wave) with design-based tests, adjusts the
p-values for the many events compared (Holm), splits a change in net advocacy into change
**within** segments and change in the segment **mix**, and follows up the actions chosen in
one wave.
"""),
    code(SETUP),
    code(
        'waves = cxlab.load_survey(DATA / "banking_tracking.csv", DATA / "banking_tracking_codebook.yaml")\n'
        'waves.respondents["wave"].value_counts().sort_index()'
    ),
    code('cxlab.tracking.compare_waves(waves, "net_advocacy", by=None)'),
    md("""
**How to read it**: each wave's value with its interval, the change against the wave it
is compared with, and whether the change is significant after adjustment. Event by event:
"""),
    code(
        'sat = cxlab.tracking.compare_waves(waves, "satisfaction", by="event_id")\n'
        'sat.loc[sat["wave"] == "W4"]'
    ),
    md("""
## Why net advocacy moved: shift-share

If more young customers (who recommend less) answered in the last wave, net advocacy falls
without any customer changing their mind. Shift-share separates the two:
"""),
    code('cxlab.tracking.shift_share(waves, "age_band", start="W3", end="W4")'),
    md("""
## Did the actions work?

The actions `prioritize` chose on wave W3 are checked in W4: did the events the client acted
on move as intended, compared with the events it did not act on?
"""),
    code(
        'w3 = waves.subset(waves.respondents["wave"] == "W3")\n'
        "actions = cxlab.priorities.prioritize(w3)\n"
        'follow = cxlab.tracking.action_followup(waves, actions, start="W3", end="W4",\n'
        '                                        acted_on=["resolve_issue", "mortgage_decision"])\n'
        "follow"
    ),
    md("""
**Assumptions**: the waves sample the same population the same way (each wave can be raked
to its own margins with `margins=`); the questionnaire did not change between waves.
`make report` with `data/sample/clients/sample_tracking.yaml` runs the full tracking report.
Next: [the satisfaction index](09_satisfaction_index.ipynb).
"""),
)

# ----------------------------------------------------------------------------- 09
guide(
    "09_satisfaction_index",
    "The satisfaction index: a PLS path model",
    md("""
**What this answers for a client**: *one satisfaction index on 0-100, and which of its
causes to improve first.* National satisfaction indices (ACSI, ECSI) model satisfaction
as a latent construct measured by several items, caused by image, expectations, perceived
quality and value, and causing loyalty. cxlab fits such a model by partial least squares
(PLS-PM), with bootstrap intervals for the paths; the model is declared in the codebook's
`satisfaction_model`.
"""),
    code(SETUP),
    code(
        "import cxlab.pls\n\n"
        'util = cxlab.load_survey(DATA / "satisfaction.csv", DATA / "satisfaction_codebook.yaml")\n'
        "spec = util.codebook.satisfaction_model\n"
        'pls = cxlab.pls.fit(util, spec["blocks"], spec["paths"], modes=spec["modes"],\n'
        '                    weights="weight", n_boot=100, seed=0, progress=False)\n'
        "pls"
    ),
    code('ax = pls.plot(labels=spec["labels"])'),
    md("""
**How to read it**: each arrow is a standardised path coefficient with its bootstrap
interval; an interval that includes 0 is not a reliable path. The reliability table checks
each construct's measurement (Cronbach's alpha and composite reliability above 0.7, average
variance extracted above 0.5).
"""),
    code("pls.reliability"),
    code("pls.index()"),
    md("""
The **importance-performance map** of the target construct: importance is the total effect
of each driver (points of the index per point of the driver), performance its own 0-100
index. The top-left (important, low performance) is where to act.
"""),
    code('pls.ipma(spec["target"])'),
    code('ax = pls.plot_ipma(spec["target"], labels=spec["labels"])'),
    md("""
**Assumptions**: the path diagram is right (PLS estimates it, it does not discover it); the
items of each construct measure it (reflective, mode A) unless declared formative.
Next: [the roadmap](10_roadmap.ipynb).
"""),
)

# ----------------------------------------------------------------------------- 10
guide(
    "10_roadmap",
    "The roadmap: which initiatives, in which order",
    md("""
**What this answers for a client**: *with our budget and capacity, what do we fund and
when?* Events are improved by **initiatives** (a contact-centre upgrade, a lending
platform), each with a cost, a duration in phases, dependencies and the events it enables.
The roadmap picks and schedules initiatives to maximise the net present value of the value
case, subject to a budget per phase and a maximum of initiatives running in parallel. It
reports what each limit costs and, over bootstrap draws of the value case, how stable the
plan is.
"""),
    code(SETUP + "\n" + BANK),
    code(
        "import cxlab.initiatives\nimport cxlab.roadmap\n\n"
        'initiatives = cxlab.initiatives.load_initiatives(files["initiatives"])\n'
        "initiatives"
    ),
    code(
        'costs = pd.read_csv(files["improvement_costs"])\n'
        "value = cxlab.valuecase.value_case(survey, costs, customers=100_000, currency=\"USD\",\n"
        "                                   n_boot=30, seed=0)\n"
        "roadmap = cxlab.roadmap.plan(value, initiatives, n_boot=30, seed=0, **initiatives.settings)\n"
        "roadmap"
    ),
    code("from IPython.display import Markdown\n\nMarkdown(roadmap.describe())"),
    code("ax = roadmap.plot()"),
    md("""
**How to read it**: the Gantt chart shows the funded initiatives by phase, coloured by the
course of action of the events they enable; the table gives each one's NPV and the
cumulative NPV. The constraints table says how much value the budget and the parallel
limit leave on the table (relax one and re-solve), and `p_chosen` the share of bootstrap
draws in which the re-solved plan also funds the initiative: low values mean the choice is
close.
"""),
    code("roadmap.constraints"),
    code("roadmap.stability_summary()"),
    md("""
**Assumptions**: an event's action counts from the end of the phase in which the last
initiative enabling it ends; costs are spent evenly over an initiative's phases; the value
case's assumptions carry over. The plan is the exact optimum of the stated problem, not of
the client's unstated constraints: review it with them.
Next: [voice of the customer](11_voice_of_the_customer.ipynb).
"""),
)

# ----------------------------------------------------------------------------- 11
guide(
    "11_voice_of_the_customer",
    "Voice of the customer: what the comments say",
    md("""
**What this answers for a client**: *why do customers rate us the way they do, in their own
words, and which complaints separate our antagonists from our advocates?* Most surveys ask
"why?" after a rating. cxlab reads those open-ended answers as **comments**: redacted while
the file is read, grouped into topics, scored for sentiment, set against the events of the
Customer Event Map and the advocacy groups, and quoted only where enough customers stand
behind a cell. The method is described in `docs/verbatims.md`.
"""),
    code(SETUP + "\n" + BANK),
    md("""
## Comments are declared in the codebook

The codebook's `comments:` section names each comment column, the event it is about (or
none, for a comment about the customer as a whole) and its language (an ISO code, or
`auto`: a stop-word vote per comment). The sample bank asks "why?" after each of its seven
events:

```yaml
comments:
  why_mortgage_decision:
    column: q3_why
    event: mortgage_decision
    language: auto
```
"""),
    code(
        "pd.DataFrame([vars(c) for c in survey.codebook.comments])"
    ),
    md("""
## Redaction happens at load

Before anything reads a comment, `load_survey` replaces personal data with tags: URLs,
e-mail addresses, every value of the survey's personal-data columns (names, e-mails,
phones), names introduced as "my name is ...", card, account and phone numbers and
postcodes. Only the redacted text is kept (`survey.comments`); the raw column is not. Here
is the rule at work on a made-up comment and a made-up customer:
"""),
    code(
        "import cxlab.text\n\n"
        'people = pd.DataFrame({"name": ["Jane Example"], "email": ["jane.example@example.com"]})\n'
        'made_up = ["Jane Example here: mail jane.example@example.com or call +44 20 7946 0000, "\n'
        '           "card 4111 1111 1111 1111, see www.example.com"]\n'
        "cxlab.text.redact(made_up, people).tolist()"
    ),
    code(
        'print(f"{len(survey.comments):,} comments")\n'
        'survey.comments.groupby("language").size()'
    ),
    md("""
Redaction is rule-based: a name that is in no personal-data column and is not introduced
stays in the text. That is why quotes are only ever taken from cells with at least
`min_base` respondents (below), and why the report's privacy test searches every output
file for the planted personal data.

## Sentiment: VADER, English only

`cxlab.text.sentiment` scores each comment with VADER's lexicon (compound score from -1 to
1; negative below -0.05, positive above 0.05). Comments in other languages are reported as
**not scored (language)**, never scored with the English lexicon:
"""),
    code(
        'cxlab.text.sentiment(["The adviser was brilliant, thank you",\n'
        '                      "Waited an hour on hold, awful",\n'
        '                      "Le conseiller était très aimable"], "auto")'
    ),
    md("""
## Topics

`cxlab.text.topics` finds what the English comments are about: TF-IDF of the words (the
sentiment words are left out, so that a topic says *what* a comment is about, not *how* the
customer felt), then a non-negative matrix factorisation, deterministic for a seed. When the
number of topics is not given, it is the number between 2 and 8 with the highest mean
silhouette. Each topic is labelled by its three most distinctive terms.
"""),
    code(
        'c = survey.comments\n'
        'model = cxlab.text.topics(c["text"], seed=0, language=c["language"].tolist())\n'
        "print(model.criterion)\n"
        'model.table[["topic", "label", "n", "share"]]'
    ),
    md("""
## Topics by event and by advocacy group

`cxlab.verbatims.analyse_comments` puts it together. Given each respondent's advocacy group
(agitators count as antagonists), it reports the weighted share of each event's comments
about each topic, with an interval (respondents are clusters) and the mean sentiment of the
cell, and the share of advocates' and of antagonists' comments about each topic, their
difference with a Welch interval and a Holm-adjusted p-value over the topics. Cells under
`min_base` respondents are suppressed.
"""),
    code(
        "import cxlab.verbatims\n\n"
        "resp = survey.respondents\n"
        'groups = cxlab.segments.classify_advocacy(resp["recommend"],\n'
        "                                          agitator=cxlab.segments.agitator_flags(resp))\n"
        "verbatims = cxlab.verbatims.analyse_comments(survey, groups=groups, min_base=30, seed=0)\n"
        "verbatims"
    ),
    code("from IPython.display import Markdown\n\nMarkdown(verbatims.describe())"),
    code(
        'cols = ["label", "advocate", "antagonist", "difference", "ci_low", "ci_high", "p_adjusted",\n'
        '        "n_advocate", "n_antagonist"]\n'
        'table = verbatims.advocacy[cols].copy()\n'
        'points = ["advocate", "antagonist", "difference", "ci_low", "ci_high"]\n'
        'table[points] = 100 * table[points]  # shares in % of the group\'s comments\n'
        'table'
    ),
    code("ax = verbatims.plot()"),
    md("""
**How to read it**: each topic has two points, the share of advocates' comments and the
share of antagonists' comments about it, with 95% intervals; a star marks a topic whose
difference survives the Holm adjustment for testing every topic. On the sample bank no
topic differs after the adjustment: in this synthetic study the event decides what a
comment is about and the customer's satisfaction decides its tone, so advocates and
antagonists write about the same things, in different words ("the queue felt short" vs
"the queue was far too long"). The mean sentiment of each cell, in the table below, shows
the tone.

## What customers say about each event, with quotes

`top_by_event` gives each event's two largest topics with their share, interval and mean
sentiment, and up to three representative redacted quotes. Cells under `min_base` are left
out and never quoted.
"""),
    code(
        'names = dict(zip(survey.events["event_id"], survey.events["name"]))\n'
        "top = verbatims.top_by_event(names)\n"
        'top[["event", "label", "share", "ci_low", "ci_high", "sentiment", "n"]]'
    ),
    code(
        'for row in top.head(4).itertuples():\n'
        '    print(f"{row.event} / {row.label}: {row.quotes}")'
    ),
    md("""
**Assumptions**: topics are word patterns, not meanings; read the quotes before naming a
topic for the client. Sentiment is a lexicon score: sarcasm and negations across sentences
can fool it. Only English comments are topic-modelled and scored; the language table
(`verbatims.language`) says how many were left out. Comments come from the customers who
chose to write one, so topic shares describe the commenters, weighted, not every customer.
`make report` includes this analysis as the "Voice of the customer (comments)" section.
Next: [survey designs](12_survey_designs.ipynb).
"""),
)

# ----------------------------------------------------------------------------- 12
guide(
    "12_survey_designs",
    "Survey designs: strata, clusters, finite populations, calibration",
    md("""
**What this answers for a client**: *how precise are our figures, given how the sample was
actually drawn?* Real CX samples are rarely simple random samples: they are **stratified**
(quotas by region), **clustered** (customers interviewed within sampled branches), drawn
from a **known population** (a small branch network) and **raked** to population margins.
Each of these changes the standard error. cxlab follows R's `survey` package, so the numbers
can be checked against it; `docs/survey-design.md` gives the formulas.

This guide builds a small synthetic bank sample with a seed: four regions (the strata), a
few branches sampled in each (the primary sampling units, PSUs), 25 customers per branch.
Customers of the same branch resemble each other (a branch effect), and older customers
recommend more.
"""),
    code(SETUP),
    code('''
import numpy as np

rng = np.random.default_rng(7)
branches_in_region = {"north": 40, "south": 30, "east": 20, "west": 12}  # the population
sampled = {"north": 6, "south": 5, "east": 4, "west": 3}                 # the sample
age_effect = {"18-34": 5.5, "35-54": 7.0, "55+": 8.5}
rows = []
for region, n_branches in sampled.items():
    for b in range(1, n_branches + 1):
        branch_effect = rng.normal(0, 0.5)
        age = rng.choice(list(age_effect), size=25, p=[0.5, 0.3, 0.2])
        score = np.array([age_effect[a] for a in age]) + branch_effect + rng.normal(0, 1.2, 25)
        for a, s in zip(age, np.clip(np.round(score), 0, 10)):
            rows.append((region, f"{region}-{b}", branches_in_region[region], a, s))
raw = pd.DataFrame(rows, columns=["region", "branch_id", "branches_in_region", "age_band",
                                  "q_recommend"])
raw.insert(0, "resp_id", [f"C{i:04d}" for i in range(len(raw))])
raw["design_wt"] = raw["region"].map(lambda r: branches_in_region[r] / sampled[r] * 16)
raw["segment"] = rng.choice(["mass", "premier"], size=len(raw), p=[0.8, 0.2])
raw.groupby("region").agg(branches=("branch_id", "nunique"), customers=("resp_id", "size"),
                          population_branches=("branches_in_region", "first"))'''),
    md("""
## The codebook declares the design

A codebook names the design columns (`strata:`, `cluster:`, `fpc:`). `fpc` is, per stratum,
the number of PSUs in the population (or the sampling fraction, when every value is at most
1). After loading, the respondents carry the columns `strata`, `cluster` and `fpc`, and
`codebook.design` holds the arguments every estimate takes.
"""),
    code('''
import tempfile
from pathlib import Path

folder = Path(tempfile.mkdtemp())
raw.to_csv(folder / "branches.csv", index=False)
(folder / "branches_codebook.yaml").write_text("""\\
respondent_id: resp_id
weight: design_wt
strata: region
cluster: branch_id
fpc: branches_in_region
demographics:
  age_group: {column: age_band}
  segment: {column: segment}
respondent_items:
  recommend: {column: q_recommend}
""")
survey = cxlab.load_survey(folder / "branches.csv", folder / "branches_codebook.yaml")
design = survey.codebook.design
resp = survey.respondents
design'''),
    md("""
## Strata, clusters and the finite-population correction

The same mean, three ways: as if the customers were a simple random sample, with the
clusters only, and with the full design. The estimate is the same; its standard error is
not. Customers of one branch resemble each other, so 25 of them carry less information than
25 independent customers: clustering widens the interval. Stratification and the fpc (a
quarter of the west's branches were sampled) narrow it again a little. The `t` interval has
PSUs minus strata degrees of freedom.
"""),
    code('''
from cxlab.estimates import weighted_mean

pd.concat({
    "simple random sample": weighted_mean(resp, "recommend", cluster=None),
    "clusters only": weighted_mean(resp, "recommend", cluster="cluster"),
    "strata, clusters, fpc": weighted_mean(resp, "recommend", **design),
}).droplevel(1)'''),
    md("""
**How to read it**: `se` is the standard error under each assumption; `n` always counts
customers, never branches. Reporting the simple-random-sample interval for a clustered sample
would overstate the precision: differences would look significant that are not.

## Domains keep the whole design

A segment estimate (`by=`) keeps every PSU of the sample, including branches where the
segment has no customer; estimating on the segment's rows alone would give a different,
wrong, standard error.
"""),
    code('weighted_mean(resp, "recommend", by="segment", **design)'),
    md("""
## A stratum with a single PSU

With one branch in a stratum there is no within-stratum variance to estimate. By default
that is an error naming the stratum (as in R); `lonely_psu="adjust"` centres the lonely PSU
at the grand mean (the conservative choice), `"certainty"` treats it as sampled with
certainty (no variance from it).
"""),
    code('''
one_west = resp[~resp["cluster"].isin(["west-2", "west-3"])]
try:
    weighted_mean(one_west, "recommend", **design)
except cxlab.errors.ModelError as error:
    print(error)'''),
    code('''
pd.concat({rule: weighted_mean(one_west, "recommend", lonely_psu=rule, **design)
           for rule in ["adjust", "certainty"]}).droplevel(1)'''),
    md("""
## Raking, and calibration-aware standard errors

The sample over-represents young customers (half the sample, 30% of the customers). Raking
the design weights to the known age margins corrects the estimate. Treating the raked
weights as fixed numbers ignores that the margins are now known exactly: for a figure
related to the raking variable, such as the recommendation score (which rises with age),
that overstates the standard error. Passing the raking result (`calibration=`) uses the
linearisation of R's `calibrate()`:
"""),
    code('''
import cxlab.weighting

margins = {"age_group": {"18-34": 0.30, "35-54": 0.35, "55+": 0.35}}
raking = cxlab.weighting.rake(resp, margins, weights="weight")
raked = resp.assign(weight=raking.weights)
pd.concat({
    "design weights": weighted_mean(resp, "recommend", **design),
    "raked, weights as fixed": weighted_mean(raked, "recommend", **design),
    "raked, calibration-aware": weighted_mean(raked, "recommend", calibration=raking, **design),
}).droplevel(1)'''),
    md("""
**How to read it**: raking moves the estimate (older customers now count for their share of
the population) and, with `calibration=`, its standard error falls, because the part of the
score's variance explained by age is fixed by the margins. The share of a raking category
itself then has almost no variance:
"""),
    code('''
raked["age_55_plus"] = (raked["age_group"] == "55+").astype(float)
pd.concat({
    "weights as fixed": weighted_mean(raked, "age_55_plus", **design),
    "calibration-aware": weighted_mean(raked, "age_55_plus", calibration=raking, **design),
}).droplevel(1)[["estimate", "se", "ci_low", "ci_high"]].round(4)'''),
    md("""
## Replicate weights: the jackknife

Instead of linearisation, `method="jackknife"` drops one PSU at a time (reweighting the
other PSUs of its stratum) and measures how much the estimate moves; with `calibration=`,
every replicate is raked again. The two methods agree closely, as they should on a smooth
statistic; a client who delivers their own replicate weights passes them as
`cxlab.design.ReplicateWeights`.
"""),
    code('''
pd.concat({
    "linearisation": weighted_mean(raked, "recommend", calibration=raking, **design),
    "jackknife": weighted_mean(raked, "recommend", calibration=raking, method="jackknife",
                               **design),
}).droplevel(1)'''),
    md("""
**Assumptions**: PSUs are sampled independently within strata (with replacement, or without
it when `fpc` is given); later stages of a multi-stage design are not modelled (R's
"ultimate cluster" approximation); the raking margins are known population figures, not
estimates. The design arguments work the same way in `compare`, `net_advocacy`, the advocacy
shares and the investment model, and the report uses the codebook's design and says which
one it used.
"""),
)


def _prepare(name: str) -> Path:
    title, cells = GUIDES[name]
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    for i, cell in enumerate(cells):  # stable cell ids: a rebuild changes only what changed
        cell.id = f"{name[:2]}-{i:03d}"
    nb.metadata = {
        "kernelspec": {"display_name": "Python (cxlab)", "language": "python", "name": "cxlab"},
        "language_info": {"name": "python"},
        "title": title,
    }
    path = HERE / f"{name}.ipynb"
    nbformat.write(nb, str(path))
    return path


def main(argv: list[str]) -> None:
    from cxlab.report import refresh_notebook

    chosen = [n for n in GUIDES if not argv or n[:2] in argv]
    for name in chosen:
        path = _prepare(name)
        refresh_notebook(path, kernel_name="cxlab")
        print(path.relative_to(HERE.parent.parent))


if __name__ == "__main__":
    main(sys.argv[1:])
