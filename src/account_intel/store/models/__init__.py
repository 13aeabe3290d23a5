"""Every table of the CRM store; importing this module registers them all on `Base.metadata`."""

from account_intel.store.models.accounts import Account, ChurnEvent, Department, Geography, OrgEvent
from account_intel.store.models.analytics import HealthOverride, HealthSnapshot
from account_intel.store.models.auth import ApiToken, SignInAttempt, WebSession
from account_intel.store.models.catalog import Feature, Product
from account_intel.store.models.contracts import Contract, ContractLine
from account_intel.store.models.engagement import Activity, ActivityContact, Qbr, Task
from account_intel.store.models.events import Event
from account_intel.store.models.history import FieldChange, StoreMeta
from account_intel.store.models.outbound import MessageApproval, MessageRecipient, OutboundMessage
from account_intel.store.models.people import Contact, User
from account_intel.store.models.pipeline import (
    Opportunity,
    OpportunityStageChange,
    Proposal,
    ProposalMessage,
    ProposalOpportunity,
)
from account_intel.store.models.runs import AgentRun, RunLease, TriggerFiring
from account_intel.store.models.sequences import IdSequence
from account_intel.store.models.telemetry import SupportTicket, SurveyResponse, UsageMetric
from account_intel.store.models.text import StoredMention, TextScan

__all__ = [
    "Account",
    "Activity",
    "ActivityContact",
    "AgentRun",
    "ApiToken",
    "ChurnEvent",
    "Contact",
    "Contract",
    "ContractLine",
    "Department",
    "Event",
    "Feature",
    "FieldChange",
    "Geography",
    "HealthOverride",
    "HealthSnapshot",
    "IdSequence",
    "MessageApproval",
    "MessageRecipient",
    "Opportunity",
    "OpportunityStageChange",
    "OrgEvent",
    "OutboundMessage",
    "Product",
    "Proposal",
    "ProposalMessage",
    "ProposalOpportunity",
    "Qbr",
    "RunLease",
    "SignInAttempt",
    "StoreMeta",
    "StoredMention",
    "SupportTicket",
    "SurveyResponse",
    "Task",
    "TextScan",
    "TriggerFiring",
    "UsageMetric",
    "User",
    "WebSession",
]
