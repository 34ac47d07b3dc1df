"""The API's request and response models: what the OpenAPI document at /docs shows, and what
FastAPI validates each request against. The request models carry the limits of one app, so
`request_models(settings)` builds them per app.

>>> from inference.server import Settings
>>> ClassifyRequest, ScoreRequest = request_models(Settings(max_sentences=10))
>>> ClassifyRequest.model_json_schema()["properties"]["sentences"]["maxItems"]
10
"""

# No `from __future__ import annotations`: pydantic resolves these annotations at runtime, and the
# request models are local to request_models().
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, create_model

from inference.labels import LABELS, NO_CLAIM

if TYPE_CHECKING:
    from inference.server import Settings

# ---- responses ----


Label = Literal[LABELS]
Probs = create_model("Probs", **{label: (float, ...) for label in LABELS})


class ClassifyResult(BaseModel):
    text: str
    label: Label
    probs: Probs
    set: list[Label] | None = Field(None, description="conformal prediction set; only when `coverage` was "
                                                       "given and the model is calibrated for it")


class ClassifyResponse(BaseModel):
    results: list[ClassifyResult]


class SentenceScore(BaseModel):
    """A no-claim line has only index, text, label and probs (null)."""
    index: int
    text: str
    label: Literal[(*LABELS, NO_CLAIM)]
    probs: Probs | None
    set: list[Label] | None = Field(None, description="conformal prediction set, when the model has one")
    top_words: list[str] | None = Field(None, description="the words that drove the label (with `explain`)")
    speaker: str | None = Field(None, description="who the sentence attributes the claim to, if it says")


class ArticleSummary(BaseModel):
    sentences: int
    claims: int
    no_claim: int
    counts: dict[str, int]
    shares: dict[str, float]
    disputed: list[int] = Field(description="indexes of the disputed sentences")
    speculative: list[int] = Field(description="indexes of the speculative sentences")
    speakers: dict[str, int] = Field(description="claims per named speaker, most first")


class ScoreResponse(BaseModel):
    sentences: list[SentenceScore]
    summary: ArticleSummary


class ModelInfo(BaseModel):
    ref: str | None = Field(description="the model reference the server was started with")
    name: str | None
    version: str | None
    alias: str | None
    kind: str
    labels: list[str]
    sets: bool = Field(description="whether `coverage` gives conformal prediction sets")
    metrics: dict[str, float | None] = Field(description="validation_* and test_* metrics from training")
    dataset: dict[str, Any] | None
    loaded_at: str


class Health(BaseModel):
    status: Literal["ok"]


class Ready(BaseModel):
    """/readyz, and /v1/reload once the new model is in."""
    status: Literal["ready", "reloaded"]
    kind: str
    loaded_at: str


class ErrorResponse(BaseModel):
    error: str
    detail: Any = None


# ---- requests ----


def request_models(s: "Settings"):
    """ClassifyRequest and ScoreRequest with the limits of `s`."""
    def short_lines(text: str) -> str:
        for n, line in enumerate(text.splitlines(), 1):
            if len(line) > s.max_line_chars:
                raise ValueError(f"line {n} has {len(line)} characters; the limit is {s.max_line_chars} per line: "
                                 "break long paragraphs into lines")
        return text

    # What str.splitlines splits on; the pattern only documents the limit, short_lines enforces it.
    breaks = "\\n\\r\\v\\f\\x1c\\x1d\\x1e\\x85\\u2028\\u2029"
    line_pattern = f"^[^{breaks}]{{0,{s.max_line_chars}}}([{breaks}][^{breaks}]{{0,{s.max_line_chars}}})*$"
    sentence = Annotated[str, StringConstraints(max_length=s.max_chars)]
    article = Annotated[str, StringConstraints(max_length=s.max_article_chars), AfterValidator(short_lines)]

    class ClassifyRequest(BaseModel):
        model_config = ConfigDict(strict=True, extra="forbid", json_schema_extra={
            "examples": [{"sentences": ["Moscow denied the report.", "Kyiv may have pulled back."], "coverage": 0.9}]})
        sentences: list[sentence] = Field(max_length=s.max_sentences,
                                          description=f"at most {s.max_sentences}, each at most {s.max_chars} characters")
        coverage: float | None = Field(None, gt=0, lt=1, allow_inf_nan=False,
                                       description="ask for conformal prediction sets at this coverage, e.g. 0.9")

    class ScoreRequest(BaseModel):
        model_config = ConfigDict(strict=True, extra="forbid", json_schema_extra={
            "examples": [{"text": "Troops crossed the border on Tuesday.\nMoscow denied the report."}]})
        text: article = Field(description=f"the article; at most {s.max_article_chars} characters, "
                                          f"{s.max_line_chars} per line, {s.max_sentences} sentences",
                              json_schema_extra={"pattern": line_pattern})  # documents the line limit
        coverage: float | None = Field(0.9, gt=0, lt=1, allow_inf_nan=False,
                                       description="conformal set coverage; null for no sets")
        explain: bool = Field(True, description="find the words that drove each label (slower)")

    return ClassifyRequest, ScoreRequest

