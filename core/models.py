from core.audit import AuditEvent

__all__ = ["AuditEvent"]
