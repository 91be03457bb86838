from oauth2_provider.oauth2_validators import OAuth2Validator

from tests.sso.provider.models import Claims


class ClaimsValidator(OAuth2Validator):
    oidc_claim_scope = {
        **OAuth2Validator.oidc_claim_scope,
        "groups": "groups",
        "department": "profile",
        "job_title": "profile",
    }

    def get_additional_claims(self, request) -> dict:
        user = request.user
        claims = Claims.objects.filter(user=user).first() or Claims(user=user)
        data = {"email": user.email, "name": claims.name, "groups": claims.groups}
        if claims.email_verified is not None:
            data["email_verified"] = claims.email_verified
        if claims.department:
            data["department"] = claims.department
        if claims.job_title:
            data["job_title"] = claims.job_title
        return data
