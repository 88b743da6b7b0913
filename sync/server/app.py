"""The ASGI app: ``create_app(storage, clock=..., limits=...)``.

Routes are thin: authenticate (``_auth``), check input, call one storage method in a worker
thread, log ids and the action. Every refusal is an :class:`ApiError` rendered as
``{"error": code, "message": ...}``; unexpected exceptions become a logged 500 without details.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from importlib import metadata
from typing import Annotated, Any

import anyio
import anyio.to_thread
from fastapi import FastAPI, Path, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware
from starlette.responses import JSONResponse, Response

from .. import _protocol as p
from .._encoding import b64url, decode_b64url
from .._framing import MEDIA_TYPE, PullPage, encode_pull_page
from ._auth import KeyCache, parse_code
from ._deps import (
    BINARY,
    ERRORS,
    HEX,
    AuthCaller,
    CollectionId,
    State,
    app_state,
    route_of,
)
from ._deps import unhex as _cid
from ._errors import (
    ApiError,
    NotReady,
    RateLimited,
    Unauthorized,
    Unprocessable,
)
from ._limits import Limits, RateLimiter
from ._logs import log_event
from ._middleware import BodyLimitMiddleware
from ._push import check_records_type, prepare_push
from ._routes_repair import repair_routes
from ._routes_team import team_routes
from ._storage import (
    CollectionView,
    IncomingRecord,
    MemberState,
    OwnStream,
    PushOutcome,
    Storage,
    StorageUnavailable,
    WrappedKey,
)

READY_TIMEOUT_S = 10.0


def _version() -> str:
    try:
        return metadata.version("fieldpad")
    except metadata.PackageNotFoundError:
        return "0"


def _until(value: datetime | date | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()
    try:
        end = datetime(value.year, value.month, value.day, tzinfo=UTC) + timedelta(days=1)
    except OverflowError:
        return datetime.max.replace(tzinfo=UTC).timestamp()
    return end.timestamp()


def _collection_out(v: CollectionView) -> p.CollectionInfo:
    return p.CollectionInfo(
        collection_id=v.collection_id.hex(),
        inspection_id=v.inspection_id.hex(),
        role=v.role,  # type: ignore[arg-type]
        epoch=v.epoch,
        epochs=v.epochs,
        keys=[
            p.WrappedKeyOut(
                epoch=k.epoch,
                wrapped=b64url(k.wrapped),
                by_device=k.by_device.hex() if k.by_device else None,
            )
            for k in v.keys
        ],
        roster_head=v.roster_head,
        until=v.until,
        kind=v.kind,
        inspection_name=v.inspection_name,
        heads={d.hex(): s for d, s in v.heads.items()},
        devices_missing_keys=v.devices_missing_keys,
        roster_length=v.roster_length,
        active_devices=v.active_devices,
        **_own_out(v.own),
    )


def _own_out(own: OwnStream) -> dict[str, Any]:
    """The caller's own stream as the listing and the status show it."""
    return {"head_hash": own.head_hash.hex() if own.head_hash else None,
            "damaged": own.damaged}


def _member_out(cid: str, m: MemberState) -> p.MemberChanged:
    return p.MemberChanged(
        collection_id=cid, user=m.user, role=m.role, active=m.active, until=m.until  # type: ignore[arg-type]
    )


def create_app(
    storage: Storage,
    *,
    clock: Callable[[], float] = time.time,
    limits: Limits | None = None,
    metrics: bool = False,
) -> FastAPI:
    """Build the sync server's ASGI app on ``storage``. ``clock`` returns unix seconds (tests
    inject one); ``limits`` bounds sizes and rates; ``metrics`` serves ``/v1/metrics``. No
    global state: apps are independent."""
    limits = limits or Limits()
    app = FastAPI(
        title="fieldpad sync",
        version=_version(),
        description=(
            "Zero-knowledge relay and store of fieldpad envelopes. Every route but health, "
            "openapi.json and enrol needs an RFC 9421 Ed25519 signature (see sync/_signing.py)."
        ),
        openapi_url="/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.fieldpad = State(
        storage,
        clock,
        limits,
        RateLimiter(limits.rate_per_s, limits.rate_burst, clock),
        RateLimiter(limits.enrol_per_s, limits.enrol_burst, clock),
        KeyCache(),
        anyio.CapacityLimiter(limits.worker_threads),
    )
    _install_errors(app)
    _routes(app)
    team_routes(app)
    _health_routes(app)
    repair_routes(app)
    app.add_middleware(
        GZipMiddleware,
        minimum_size=1024,
        compresslevel=6,
        # Envelopes are ciphertext: gzip would burn CPU for nothing. JSON is compressed.
        exclude_content_types=(*DEFAULT_EXCLUDED_CONTENT_TYPES, MEDIA_TYPE),
    )
    app.add_middleware(BodyLimitMiddleware, limits=limits)
    if metrics:
        from ._metrics import Metrics, MetricsMiddleware

        app.state.fieldpad.metrics = Metrics(storage)
        # outermost: it also counts what the body limits refuse before any route runs
        app.add_middleware(MetricsMiddleware, metrics=app.state.fieldpad.metrics)
    return app


def _health_routes(app: FastAPI) -> None:
    @app.get("/v1/health/ready", response_model=p.Health, tags=["meta"],
             responses={503: {"model": p.ErrorBody,
                              "description": "the database does not answer (see the log)"}})
    async def ready(request: Request) -> p.Health:
        """Ready to serve: the database answers, is the one opened at start and has this
        server's schema. ``/v1/health`` only says that the process is up."""
        st = app_state(request)
        try:
            with anyio.fail_after(READY_TIMEOUT_S):
                await st.run(st.storage.ping)
        except Exception as exc:  # noqa: BLE001 - any failure means not ready
            reason = str(exc) if isinstance(exc, StorageUnavailable) else "no answer"
            log_event("not_ready", logging.WARNING, error_type=type(exc).__name__,
                      reason=reason)
            raise NotReady("the server cannot reach its database; see the server's log") \
                from None
        return p.Health(status="ok", version=app.version)

    @app.get("/v1/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        st = app_state(request)
        if st.metrics is None:
            raise StarletteHTTPException(404, "metrics are off (the metrics setting)")
        return Response(await st.run(st.metrics.scrape), media_type=st.metrics.content_type)


def error_response(status: int, code: str, message: str, **headers: str) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status, headers=headers)


def _install_errors(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        log_event("refused", status=exc.status, error=exc.code, method=request.method,
                  route=route_of(request))
        headers = {}
        if isinstance(exc, RateLimited):
            headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
        return error_response(exc.status, exc.code, exc.message, **headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return error_response(400, "invalid_json", "the body is not valid JSON")
        parts = []
        for e in errors[:5]:
            loc = ".".join(str(x) for x in e.get("loc", ()))
            parts.append(f"{loc}: {e.get('msg', 'invalid')}")
        return error_response(
            422, "invalid_request", "fix these fields and retry: " + "; ".join(parts)
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {404: "no_such_route", 405: "method_not_allowed"}
        return error_response(
            exc.status_code,
            codes.get(exc.status_code, "http_error"),
            f"{request.method} {request.url.path}: {exc.detail}; see /v1/openapi.json",
        )

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> JSONResponse:
        log_event("crash", logging.ERROR, exc, method=request.method, route=route_of(request))
        return error_response(500, "internal", "the server failed; this is a bug, not your input")


def _routes(app: FastAPI) -> None:  # one place that lists the API
    v1 = "/v1"

    @app.get(f"{v1}/health", response_model=p.Health, tags=["meta"])
    async def health() -> p.Health:
        return p.Health(status="ok", version=app.version)

    @app.post(f"{v1}/enrol", response_model=p.EnrolResponse, responses=ERRORS, tags=["devices"])
    async def enrol(body: p.EnrolRequest, request: Request) -> p.EnrolResponse:
        st = app_state(request)
        client = request.client.host if request.client else "?"
        wait = st.enrol_limiter.take(client)
        if wait > 0:
            raise RateLimited(f"too many enrolment attempts: wait {wait:.0f} s", wait)
        parsed = parse_code(body.code)
        if parsed is None:
            raise Unauthorized(
                "this is not an enrolment code: it looks like XXXXXX-XXXXX-XXXXX-XXXXX-XXXXX",
                code="invalid_code",
            )
        try:
            sign_key, kx_key = p.decode_key(body.sign_key), p.decode_key(body.kx_key)
        except ValueError as exc:
            raise Unprocessable(str(exc), code="bad_key") from None
        device_id = bytes.fromhex(body.device_id)
        user = await st.run(
            st.storage.enrol, parsed[0], parsed[1], device_id, sign_key, kx_key, st.clock(),
            st.limits.code_tries,
        )
        log_event("enrol", device=device_id)
        return p.EnrolResponse(device_id=body.device_id, user=user)

    @app.get(f"{v1}/collections", response_model=p.CollectionsResponse, responses=ERRORS,
             tags=["collections"])
    async def collections(caller: AuthCaller, request: Request) -> p.CollectionsResponse:
        st = app_state(request)
        views = await st.run(st.storage.list_collections, caller, st.clock())
        mine = await st.run(st.storage.list_my_inspections, caller, st.clock())
        purged = await st.run(st.storage.list_purged, caller, st.clock())
        return p.CollectionsResponse(
            collections=[_collection_out(v) for v in views],
            inspections=[p.InspectionInfo(inspection_id=i.id.hex(), name=i.name,
                                          role=i.role) for i in mine],  # type: ignore[arg-type]
            purged=[i.hex() for i, _ in purged],
            purge_statements={i.hex(): p.PurgeStatement.model_validate_json(st_)
                              for i, st_ in purged if st_},
        )

    @app.post(f"{v1}/collections", response_model=p.CollectionInfo, responses=ERRORS,
              tags=["collections"])
    async def create_collection(
        body: p.CollectionCreate, caller: AuthCaller, request: Request
    ) -> p.CollectionInfo:
        st = app_state(request)
        view = await st.run(
            st.storage.create_collection, caller, _cid(body.collection_id),
            _cid(body.inspection_id), st.clock(), body.kind,
        )
        log_event("collection.create", collection=body.collection_id, device=caller.device_id)
        return _collection_out(view)

    @app.get(f"{v1}/collections/{{c}}/members", response_model=p.MembersResponse,
             responses=ERRORS, tags=["collections"])
    async def members(c: CollectionId, caller: AuthCaller, request: Request) -> p.MembersResponse:
        st = app_state(request)
        epoch, views = await st.run(
            st.storage.list_members, caller, _cid(c), st.clock()
        )
        return p.MembersResponse(
            collection_id=c,
            epoch=epoch,
            members=[
                p.MemberInfo(
                    user=m.user, role=m.role, until=m.until,  # type: ignore[arg-type]
                    devices=[
                        p.MemberDevice(device_id=d.device_id.hex(), sign_key=d.sign_key.hex(),
                                       kx_key=d.kx_key.hex(), epochs=d.epochs)
                        for d in m.devices
                    ],
                )
                for m in views
            ],
        )

    @app.post(f"{v1}/collections/{{c}}/members", response_model=p.MemberChanged,
              responses=ERRORS, tags=["collections"])
    async def add_member(
        c: CollectionId, body: p.MemberAdd, caller: AuthCaller, request: Request
    ) -> p.MemberChanged:
        st = app_state(request)
        state = await st.run(
            st.storage.add_member, caller, _cid(c), body.user, body.role, _until(body.until),
            st.clock(),
        )
        log_event("member.add", collection=c, by=caller.device_id, role=body.role)
        return _member_out(c, state)

    @app.delete(f"{v1}/collections/{{c}}/members/{{user}}", response_model=p.MemberChanged,
                responses=ERRORS, tags=["collections"])
    async def remove_member(
        c: CollectionId,
        user: Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._@-]+$")],
        caller: AuthCaller,
        request: Request,
    ) -> p.MemberChanged:
        st = app_state(request)
        state = await st.run(
            st.storage.remove_member, caller, _cid(c), user, st.clock()
        )
        log_event("member.remove", collection=c, by=caller.device_id)
        return _member_out(c, state)

    @app.post(f"{v1}/collections/{{c}}/keys", response_model=p.KeysResult, responses=ERRORS,
              tags=["collections"])
    async def upload_keys(
        c: CollectionId, body: p.KeysUpload, caller: AuthCaller, request: Request
    ) -> p.KeysResult:
        st = app_state(request)
        try:
            keys = [
                WrappedKey(k.epoch, _cid(k.device_id), decode_b64url(k.wrapped))
                for k in body.keys
            ]
        except ValueError:
            raise Unprocessable("wrapped keys must be base64url", code="bad_key") from None
        stored, skipped, epoch = await st.run(
            st.storage.upload_keys, caller, _cid(c), keys, st.clock()
        )
        log_event("keys.upload", collection=c, by=caller.device_id, stored=stored,
                  skipped=skipped, epoch=epoch)
        return p.KeysResult(stored=stored, skipped=skipped, epoch=epoch)

    @app.get(f"{v1}/collections/{{c}}/status", response_model=p.StatusResponse,
             responses=ERRORS, tags=["streams"])
    async def status(c: CollectionId, caller: AuthCaller, request: Request) -> p.StatusResponse:
        st = app_state(request)
        out = await st.run(st.storage.status, caller, _cid(c), st.clock())
        return p.StatusResponse(heads={d.hex(): s for d, s in out.heads.items()},
                                epoch=out.epoch, **_own_out(out.own))

    @app.post(
        f"{v1}/collections/{{c}}/records",
        response_model=p.PushResult,
        responses=ERRORS,
        tags=["streams"],
        openapi_extra={"requestBody": {"required": True, "content": {MEDIA_TYPE: BINARY}}},
    )
    async def push(c: CollectionId, caller: AuthCaller, request: Request) -> p.PushResult:
        st = app_state(request)
        check_records_type(request.headers.get("content-type", ""))
        body = await request.body()
        cid = _cid(c)

        def checked_and_stored() -> tuple[list[IncomingRecord], PushOutcome]:
            # one trip to a worker thread for both: the checks hold no lock, storage takes it
            records = prepare_push(body, cid, caller, st.limits)
            return records, st.storage.push(caller, cid, records, st.clock())

        records, out = await st.run(checked_and_stored)
        if st.metrics is not None and out.accepted:
            stored = [r for r in records if r.seq > out.head - out.accepted]
            st.metrics.moved("up", out.accepted, sum(len(r.envelope) for r in stored))
        log_event("push", collection=c, device=caller.device_id, accepted=out.accepted,
                  duplicates=out.duplicates, head=out.head)
        return p.PushResult(accepted=out.accepted, duplicates=out.duplicates, head=out.head,
                            head_hash=out.head_hash.hex() if out.head_hash else None)

    @app.post(
        f"{v1}/collections/{{c}}/pull",
        response_class=Response,
        responses={
            **ERRORS,
            200: {"description": "a page of records (see sync/_framing.py)",
                  "content": {MEDIA_TYPE: BINARY}},
        },
        tags=["streams"],
    )
    async def pull(
        c: CollectionId, body: p.PullRequest, caller: AuthCaller, request: Request
    ) -> Response:
        st = app_state(request)
        after = {bytes.fromhex(k): v for k, v in body.after.items()}
        budget = min(body.max_bytes or st.limits.page_bytes, st.limits.page_bytes)
        out = await st.run(
            st.storage.pull, caller, _cid(c), after, budget, st.clock()
        )
        page = PullPage(out.envelopes, out.more, {d.hex(): s for d, s in out.heads.items()})
        content = await st.run(encode_pull_page, page)
        if st.metrics is not None:
            st.metrics.moved("down", len(out.envelopes), sum(map(len, out.envelopes)))
        log_event("pull", collection=c, device=caller.device_id, records=len(out.envelopes),
                  more=out.more)
        return Response(content, media_type=MEDIA_TYPE)

    @app.delete(f"{v1}/devices/{{d}}", response_model=p.DeviceRevoked, responses=ERRORS,
                tags=["devices"])
    async def revoke(
        d: Annotated[str, Path(pattern=HEX)], caller: AuthCaller, request: Request
    ) -> p.DeviceRevoked:
        st = app_state(request)
        await st.run(st.storage.revoke_device_as, caller, _cid(d), st.clock())
        log_event("device.revoke", device=d, by=caller.device_id)
        return p.DeviceRevoked(device_id=d, revoked=True)

