"""The product's vocabulary: the fixed sets of values the store and services accept."""

from __future__ import annotations

from enum import StrEnum


class AccountStatus(StrEnum):
    """Lifecycle of a customer account."""

    ACTIVE = "active"
    CHURNED = "churned"
    PROSPECT = "prospect"


class Tier(StrEnum):
    """Account tier by ARR (T1 strategic)."""

    T1 = "T1"
    T2 = "T2"
    T3 = "T3"


class Segment(StrEnum):
    """Customer segment by ARR."""

    ENTERPRISE = "Enterprise"
    MID_MARKET = "Mid-Market"
    SMB = "SMB"


class UserRole(StrEnum):
    """Roles of the vendor's own people."""

    AE = "ae"
    CSM = "csm"
    AM = "am"
    MANAGER = "manager"
    ADMIN = "admin"


class ProductKind(StrEnum):
    """What a catalog item is."""

    PLAN = "plan"
    PRODUCT = "product"
    MODULE = "module"
    SERVICE = "service"


class PricingUnit(StrEnum):
    """How a catalog item is priced (per year)."""

    SEAT = "seat"
    UNIT = "unit"
    FLAT = "flat"
    USAGE = "usage"


class FeatureKind(StrEnum):
    """A capability counted for adoption breadth."""

    FEATURE = "feature"
    INTEGRATION = "integration"


class ContractStatus(StrEnum):
    """State of a contract."""

    ACTIVE = "active"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class ContractKind(StrEnum):
    """Why a contract was signed: lets backtests see upgrades and expansions."""

    NEW = "new"
    RENEWAL = "renewal"
    UPGRADE = "upgrade"
    DOWNGRADE = "downgrade"
    EXPANSION = "expansion"


class MeddiccRole(StrEnum):
    """A contact's buying role (MEDDICC)."""

    CHAMPION = "champion"
    ECONOMIC_BUYER = "economic_buyer"
    DECISION_MAKER = "decision_maker"
    INFLUENCER = "influencer"
    BLOCKER = "blocker"
    USER = "user"


class TicketSeverity(StrEnum):
    """Support ticket severity, lowest first."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    URGENT = "urgent"


class SurveyKind(StrEnum):
    """Survey instruments."""

    NPS = "nps"
    CSAT = "csat"


class ActivityKind(StrEnum):
    """Logged interactions."""

    CALL = "call"
    EMAIL = "email"
    MEETING = "meeting"
    NOTE = "note"


class Sentiment(StrEnum):
    """Sentiment of an activity, as recorded by the person who logged it."""

    VERY_NEGATIVE = "very_negative"
    NEGATIVE = "negative"
    NEUTRAL = "neutral"
    POSITIVE = "positive"
    VERY_POSITIVE = "very_positive"


class QbrStatus(StrEnum):
    """State of a quarterly business review."""

    SCHEDULED = "scheduled"
    HELD = "held"
    CANCELLED = "cancelled"


class OrgEventKind(StrEnum):
    """Changes inside the customer's organisation."""

    EXECUTIVE_CHANGE = "executive_change"
    FUNDING = "funding"
    ACQUISITION = "acquisition"
    NEW_OFFICE = "new_office"
    HIRING = "hiring"
    NEW_BUDGET = "new_budget"
    DEPARTMENT_CREATED = "department_created"


class TaskStatus(StrEnum):
    """State of a task."""

    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class MessageStatus(StrEnum):
    """Outbound message lifecycle: a message is a draft until sent."""

    DRAFT = "draft"
    APPROVED = "approved"
    REJECTED = "rejected"
    SENT = "sent"


class RecipientKind(StrEnum):
    """The line of a message a recipient is on."""

    TO = "to"
    CC = "cc"
    BCC = "bcc"


class ApprovalDecision(StrEnum):
    """A human decision on an outbound draft."""

    APPROVED = "approved"
    EDITED = "edited"
    REJECTED = "rejected"


class OpportunityType(StrEnum):
    """Expansion types of a pipeline opportunity."""

    NEW_DEPARTMENT = "new_department"
    NEW_LOCATION = "new_location"
    NEW_SERVICE = "new_service"
    VOLUME_INCREASE = "volume_increase"
    RATE_INCREASE = "rate_increase"
    CONTRACT_EXTENSION = "contract_extension"


class OpportunityStage(StrEnum):
    """Expansion pipeline stages, in order; closed_lost is reachable from any open stage."""

    IDENTIFIED = "identified"
    QUALIFIED = "qualified"
    PROPOSAL = "proposal"
    NEGOTIATION = "negotiation"
    VERBAL_AGREEMENT = "verbal_agreement"
    CLOSED_WON = "closed_won"
    CLOSED_LOST = "closed_lost"


class OpportunitySource(StrEnum):
    """How an expansion opportunity was discovered."""

    CLIENT_MENTION = "client_mention"
    NEWS_LINKEDIN = "news_linkedin"
    QBR_DISCUSSION = "qbr_discussion"
    PROACTIVE_OUTREACH = "proactive_outreach"
    INTERNAL_REFERRAL = "internal_referral"
    CS_DRIVEN_EXPANSION = "cs_driven_expansion"
