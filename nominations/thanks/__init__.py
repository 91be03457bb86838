"""Customer thank-yous: the public forms, the e-mail confirmation, the personal link and QR
code, moderation, the employee's wall and the helpdesk webhook (DESIGN §4, §5, §6, §7).

The models live in nominations/models.py (ThankYou, Integration); this package holds the rest,
split like an app: services, integrations (the webhook), access, forms, views, api, urls.
"""
