"""The performance recognition report (服务明星评选参考) as the API answers it (``GET …/staff/recognition``), declared
once, like :mod:`queue_server.core.records`, for the handlers, the CSV and the OpenAPI document. How each figure is
counted: :mod:`queue_server.core.recognition` and docs/recognition.md."""

from __future__ import annotations

from typing import Annotated, Literal, TypedDict

from msgspec import Meta

from queue_server.core.records import Code, Day

Share = Annotated[float, Meta(ge=0, le=1, description="A share from 0 to 1, four decimals", examples=[0.8571])]


class RatingFigures(TypedDict):
    """好差评 of the visits served: how many were rated, the mean level (1 to 5), the share of 非常满意 (5), the 满意率
    (levels 3 to 5) and the 差评 (levels 2 and 1). None where nothing was rated."""

    rated: int
    mean_level: float | None
    very_satisfied_share: Share | None
    satisfaction: Share | None
    poor: int


class ServiceFigures(RatingFigures):
    """Visitors served (办结), no-shows recorded (过号), and the minutes from the call to 办结 (None: none served)."""

    served: int
    no_shows: int
    handling_mean_minutes: float | None
    handling_median_minutes: float | None


class DutyDates(TypedDict):
    """The days with a post of each kind in the kept rotas (排班)."""

    holiday: list[Day]
    weekend: list[Day]
    evening: list[Day]


class ClerkRecognition(ServiceFigures):
    """One clerk's quarter: service, satisfaction, duty by the rota, and the minutes actually worked on holidays and
    other rest days (from the visits they served)."""

    username: str
    name: str
    services: dict[Code, int]  # served per category
    holiday_duty_days: int
    weekend_duty_days: int
    evening_duty_days: int
    duty_dates: DutyDates
    holiday_minutes: float
    rest_day_minutes: float


class RecognitionTotals(ServiceFigures):
    """The hall's figures over every clerk listed."""


class RotaMonth(TypedDict):
    """Whether a month of the quarter has a published rota (a draft decided nothing): duty days count only months
    that have one."""

    month: Annotated[str, Meta(examples=["2026-10"])]
    kept: bool  # a published rota is kept
    source: Literal["generated", "edited"] | None


class CategoryName(TypedDict):
    code: Code
    name: str
    name_en: str


class Recognition(TypedDict):
    """服务明星评选参考: each clerk's figures for a quarter, for the supervisors' selection and reviews (not a public
    ranking): listed in the hall file's order, every serving account with zeros where it did nothing."""

    hall: str
    quarter: Annotated[str, Meta(examples=["2026-Q4"])]
    first: Day
    last: Day
    categories: list[CategoryName]
    clerks: list[ClerkRecognition]
    totals: RecognitionTotals
    rotas: list[RotaMonth]
