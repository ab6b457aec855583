"""What the store layer knows about the bundled sample: its file, label and credit.

These live below analysis and outputs so that they can say where figures come from
(``Store.is_sample``, ``SAMPLE_CREDIT``) without importing ``crime_outcomes.sample``, which
builds the sample store through ingest.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

SAMPLE_LABEL = "2017/18 sample; expired offence codes absent"
SAMPLE_CREDIT = (
    "Contains public sector information licensed under the Open Government Licence v3.0: "
    "Home Office, Police recorded crime and outcomes open data tables, 2017/18 (May 2019 edition)."
)
SAMPLE_NOTICE = "No data loaded yet: using the bundled {label} ({credit_short}). Run `crime-outcomes update` to fetch every year."
SAMPLE_META_KEY = "bundled_sample"  # meta key present only in a store built from the bundled sample


def sample_path() -> Path:
    """The bundled sample file (real 2017/18 outcomes, Parquet) inside the installed package."""
    return Path(str(resources.files("crime_outcomes").joinpath("data/sample/outcomes-2017-18-sample.parquet")))


def notice() -> str:
    """The one line a command prints when it answers from the sample."""
    return SAMPLE_NOTICE.format(label=SAMPLE_LABEL, credit_short="Home Office, OGL v3.0")
