"""API authentication: token login (with the same lockout as the login page), logout, the user's
own tokens, and password change.

    POST /api/auth/token/                 {"username", "password"} -> {"token", "expiry", "max_expiry", …}
    POST /api/auth/logout/                revoke the token of this request
    POST /api/auth/logout-all/            revoke all the user's tokens
    GET  /api/auth/tokens/                the user's live tokens (never their keys)
    POST /api/auth/tokens/{id}/revoke/    revoke one of them
    POST /api/auth/password/              {"old_password", "new_password"}: revokes every token

Tokens are django-rest-knox tokens (model assets.ApiToken), sent as ``Authorization: Token <key>``;
only a digest of the key is stored. Each use moves the idle expiry on, never past the absolute one
(settings.REST_KNOX).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth import authenticate, password_validation, update_session_auth_hash
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assets.api.authentication import ExpiringTokenAuthentication
from assets.auth import is_locked_out, lockout_message
from assets.models import ApiToken
from assets.passwords import do_change_password
from assets.tokens import issue_token, live_tokens, revoke_all_tokens, revoke_token

TAG = "auth"


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "assets.api.authentication.ExpiringTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict:
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Token")


# --- serializers ---------------------------------------------------------------------------------


class LoginSerializer(serializers.Serializer):
    username = serializers.CharField(label=_("user name"), max_length=150)
    password = serializers.CharField(label=_("password"), max_length=4096, trim_whitespace=False,
                                     style={"input_type": "password"}, write_only=True)


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True, help_text=_(
        "Send as: Authorization: Token <token>. Shown once: only a digest of it is stored."))
    expiry = serializers.DateTimeField(read_only=True, help_text=_(
        "The token lapses at this time unless it is used; each use moves this on, up to max_expiry."))
    max_expiry = serializers.DateTimeField(read_only=True, help_text=_(
        "The token lapses at this time however often it is used."))
    password_change_required = serializers.BooleanField(read_only=True, help_text=_(
        "True when the password was set by an administrator: until it is changed (POST "
        "/api/auth/password/) every other call answers 403."))


class ApiTokenSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    prefix = serializers.SerializerMethodField(help_text=_("The first characters of the key, to tell tokens apart."))
    max_expiry = serializers.DateTimeField(read_only=True, allow_null=True)
    current = serializers.SerializerMethodField(help_text=_("Whether this request was made with this token."))

    class Meta:
        model = ApiToken
        fields = ["id", "prefix", "created", "expiry", "max_expiry", "last_used", "client_ip", "user_agent",
                  "current"]
        read_only_fields = fields

    def get_prefix(self, token: ApiToken) -> str:
        return token.token_key[:8]

    def get_current(self, token: ApiToken) -> bool:
        auth = self.context["request"].auth
        return isinstance(auth, ApiToken) and auth.pk == token.pk


class PasswordChangeSerializer(serializers.Serializer):
    old_password = serializers.CharField(label=_("Old password"), max_length=4096, trim_whitespace=False,
                                         style={"input_type": "password"}, write_only=True)
    new_password = serializers.CharField(label=_("New password"), max_length=4096, trim_whitespace=False,
                                         style={"input_type": "password"}, write_only=True)

    def validate_old_password(self, value: str) -> str:
        if not self.context["request"].user.check_password(value):
            raise serializers.ValidationError(_("Your old password was entered incorrectly. Please enter it again."))
        return value

    def validate_new_password(self, value: str) -> str:
        try:
            password_validation.validate_password(value, self.context["request"].user)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None
        return value


DETAIL = inline_serializer("Detail", fields={"detail": serializers.CharField()})
UNAUTHENTICATED = OpenApiResponse(DETAIL, description=_("No valid token or session."))
REFUSED = OpenApiResponse(DETAIL, description=_("The password must be changed first (or, with a session, "
                                                "the CSRF token is missing)."))


def _logged_in_without_session(request: HttpRequest, user: Any) -> None:
    """Send user_logged_in (last_login; django-axes' access log, which tells which addresses an
    account uses) without leaving behind the empty session axes creates to hash its key."""
    session = getattr(request, "session", None)
    had_session = session is not None and session.session_key is not None
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    if session is not None and not had_session and session.session_key is not None and not session.keys():
        session.flush()


# --- views ---------------------------------------------------------------------------------------


def _body(request: Request) -> Mapping:
    return request.data if isinstance(request.data, Mapping) else {}


class ObtainTokenView(APIView):
    """Log in with user name and password and get a new token.

    Goes through django.contrib.auth.authenticate with the request, so failures count towards
    the same lockout as the login page (per account and address, and per address); a locked
    login answers 403 with the lockout message.
    """

    authentication_classes: list[Any] = []  # credentials are in the body; no session, no CSRF
    permission_classes = [AllowAny]
    serializer_class = LoginSerializer

    @extend_schema(
        tags=[TAG], summary=_("Obtain an API token"), request=LoginSerializer, auth=[],
        responses={
            200: TokenResponseSerializer,
            400: OpenApiResponse(OpenApiTypes.OBJECT,
                                 description=_("Wrong user name or password, or a field missing.")),
            403: OpenApiResponse(DETAIL, description=_("Locked after too many failed logins.")),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = LoginSerializer(data=_body(request))
        serializer.is_valid(raise_exception=True)
        http_request = request._request
        user = authenticate(http_request, username=serializer.validated_data["username"],
                            password=serializer.validated_data["password"])
        if user is None:
            if is_locked_out(http_request):
                http_request.lockout_reported = True
                raise exceptions.PermissionDenied(lockout_message(http_request))
            raise exceptions.ValidationError(
                {"non_field_errors": [_("Unable to log in with provided credentials.")]}, code="authorization")
        token, key = issue_token(user, http_request)
        _logged_in_without_session(http_request, user)
        return Response(TokenResponseSerializer({
            "token": key, "expiry": token.expiry, "max_expiry": token.max_expiry,
            "password_change_required": user.must_change_password,
        }).data)


class LogoutView(APIView):
    """Revoke the token this request was made with."""

    authentication_classes = [ExpiringTokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=[TAG], summary=_("Log out: revoke this token"), request=None,
                   responses={204: OpenApiResponse(description=_("The token is revoked.")), 401: UNAUTHENTICATED})
    def post(self, request: Request) -> Response:
        request.auth.delete()
        user_logged_out.send(sender=request.user.__class__, request=request._request, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllView(APIView):
    """Revoke all the user's tokens (every device and integration must log in again)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(tags=[TAG], summary=_("Log out everywhere: revoke all your tokens"), request=None,
                   responses={204: OpenApiResponse(description=_("All your tokens are revoked.")),
                              401: UNAUTHENTICATED, 403: REFUSED})
    def post(self, request: Request) -> Response:
        revoke_all_tokens(request.user)
        user_logged_out.send(sender=request.user.__class__, request=request._request, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=[TAG], summary=_("Your API tokens"),
                   responses={200: ApiTokenSerializer(many=True), 401: UNAUTHENTICATED, 403: REFUSED})
    def get(self, request: Request) -> Response:
        tokens = live_tokens(request.user)
        return Response(ApiTokenSerializer(tokens, many=True, context={"request": request}).data)


class TokenRevokeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=[TAG], summary=_("Revoke one of your API tokens"), request=None,
                   responses={204: OpenApiResponse(description=_("The token is revoked.")),
                              401: UNAUTHENTICATED, 403: REFUSED,
                              404: OpenApiResponse(DETAIL, description=_("You have no such token."))})
    def post(self, request: Request, public_id: Any) -> Response:
        if not revoke_token(request.user, public_id):
            raise exceptions.NotFound()
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeView(APIView):
    """Change your own password. Every token of yours is revoked: log in again for a new one."""

    permission_classes = [IsAuthenticated]

    @extend_schema(tags=[TAG], summary=_("Change your password"), request=PasswordChangeSerializer,
                   responses={204: OpenApiResponse(description=_("Changed; all your tokens are revoked.")),
                              400: OpenApiResponse(OpenApiTypes.OBJECT, description=_(
                                  "The old password is wrong, or the new one does not meet the password policy.")),
                              401: UNAUTHENTICATED, 403: REFUSED})
    def post(self, request: Request) -> Response:
        serializer = PasswordChangeSerializer(data=_body(request), context={"request": request})
        serializer.is_valid(raise_exception=True)
        do_change_password(request.user, serializer.validated_data["new_password"], acting_user=request.user)
        if request.auth is None:  # a browser session: keep it, as the change page does
            update_session_auth_hash(request._request, request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
