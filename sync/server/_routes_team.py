"""Routes for teams (DESIGN §6): the signed roster log, invitation routing and the purge of an
inspection. Thin like those of ``app``: check input, call one storage method in a worker
thread, log ids and the action (never events, proofs or keys).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import FastAPI, Path, Query, Request

from .. import _protocol as p
from ._deps import ERRORS, HEX, AuthCaller, CollectionId, app_state, unhex
from ._errors import Unprocessable
from ._logs import log_event
from ._roster import parse_roster_events
from ._storage import JoinRequest, TeamInvite

ROSTER_PAGE = 5000
"""Most events in one roster answer: rosters are small, a client pages with ``after``."""
InviteId = Annotated[
    str, Path(pattern=p.HEX12_PATTERN, description="invitation id, 24 hex digits")
]
InspectionId = Annotated[str, Path(pattern=HEX, description="inspection id, 32 hex digits")]


def _info(inv: TeamInvite) -> p.InviteInfo:
    return p.InviteInfo(
        invite_id=inv.invite_id.hex(), inspection_id=inv.inspection_id.hex(), user=inv.user,
        role=inv.role, state=inv.state, expires_at=inv.expires_at,  # type: ignore[arg-type]
    )


def _status(inv: TeamInvite) -> p.InviteStatus:
    return p.InviteStatus(
        invite_id=inv.invite_id.hex(), inspection_id=inv.inspection_id.hex(), user=inv.user,
        role=inv.role, state=inv.state,  # type: ignore[arg-type]
        accept_proof=inv.accept_proof.hex() if inv.accept_proof else None, reason=inv.reason,
    )


def _pending(inv: TeamInvite) -> p.InvitePending:
    j = inv.join
    assert j is not None  # only joined invitations are pending
    return p.InvitePending(
        invite_id=inv.invite_id.hex(), inspection_id=inv.inspection_id.hex(), user=inv.user,
        role=inv.role, device_id=j.device_id.hex(), sign_key=j.sign_key.hex(),  # type: ignore[arg-type]
        kx_key=j.kx_key.hex(), join_user=j.user, proof=j.proof.hex(),
    )


def team_routes(app: FastAPI) -> None:  # one place that lists these routes
    v1 = "/v1"

    # --- roster log ---------------------------------------------------------------------
    @app.get(f"{v1}/collections/{{c}}/roster", response_model=p.RosterLog, responses=ERRORS,
             tags=["roster"])
    async def roster(
        c: CollectionId,
        caller: AuthCaller,
        request: Request,
        after: Annotated[int, Query(ge=0, le=2**63 - 1,
                                    description="return events n > after")] = 0,
    ) -> p.RosterLog:
        st = app_state(request)
        out = await st.run(st.storage.roster, caller, unhex(c), after, ROSTER_PAGE, st.clock())
        return p.RosterLog(
            collection_id=c, length=out.length, head=out.head,
            events=[p.RosterEventWire(event=e, sig=s.hex()) for e, s in out.events],
        )

    @app.post(f"{v1}/collections/{{c}}/roster", response_model=p.RosterResult,
              responses=ERRORS, tags=["roster"])
    async def append_roster(
        c: CollectionId, body: p.RosterAppend, caller: AuthCaller, request: Request
    ) -> p.RosterResult:
        st = app_state(request)
        cid = unhex(c)
        events = await st.run(parse_roster_events, [e.model_dump() for e in body.events], cid)
        length, head = await st.run(st.storage.append_roster, caller, cid, events, st.clock())
        log_event("roster.append", collection=c, by=caller.device_id, events=len(events),
                  length=length)
        return p.RosterResult(collection_id=c, length=length, head=head)

    # --- invitations --------------------------------------------------------------------
    @app.post(f"{v1}/invites", response_model=p.InviteInfo, responses=ERRORS,
              tags=["invites"])
    async def create_invite(
        body: p.InviteCreate, caller: AuthCaller, request: Request
    ) -> p.InviteInfo:
        st = app_state(request)
        now = st.clock()
        inv = await st.run(
            st.storage.create_team_invite, caller, unhex(body.invite_id),
            unhex(body.inspection_id), body.user, body.role, now, now + st.limits.invite_ttl,
        )
        log_event("invite.create", invite=body.invite_id, inspection=body.inspection_id,
                  by=caller.device_id, role=body.role)
        return _info(inv)

    # registered before /invites/{invite_id}, which would otherwise take "pending" as an id
    @app.get(f"{v1}/invites/pending", response_model=p.InvitesPending, responses=ERRORS,
             tags=["invites"])
    async def pending_invites(caller: AuthCaller, request: Request) -> p.InvitesPending:
        st = app_state(request)
        invites = await st.run(st.storage.pending_team_invites, caller, st.clock())
        return p.InvitesPending(invites=[_pending(i) for i in invites])

    @app.post(f"{v1}/invites/{{invite_id}}/join", response_model=p.InviteStatus,
              responses=ERRORS, tags=["invites"])
    async def join_invite(
        invite_id: InviteId, body: p.InviteJoin, caller: AuthCaller, request: Request
    ) -> p.InviteStatus:
        st = app_state(request)
        join = JoinRequest(unhex(body.device_id), unhex(body.sign_key), unhex(body.kx_key),
                           body.user, unhex(body.proof))
        inv = await st.run(st.storage.join_team_invite, caller, unhex(invite_id), join,
                           st.clock(), st.limits.invite_tries)
        log_event("invite.join", invite=invite_id, device=caller.device_id)
        return _status(inv)

    @app.post(f"{v1}/invites/{{invite_id}}/accept", response_model=p.InviteStatus,
              responses=ERRORS, tags=["invites"])
    async def accept_invite(
        invite_id: InviteId, body: p.InviteAccept, caller: AuthCaller, request: Request
    ) -> p.InviteStatus:
        st = app_state(request)
        inv = await st.run(st.storage.answer_team_invite, caller, unhex(invite_id),
                           unhex(body.accept_proof), None, st.clock())
        log_event("invite.accept", invite=invite_id, by=caller.device_id)
        return _status(inv)

    @app.post(f"{v1}/invites/{{invite_id}}/reject", response_model=p.InviteStatus,
              responses=ERRORS, tags=["invites"])
    async def reject_invite(
        invite_id: InviteId, body: p.InviteReject, caller: AuthCaller, request: Request
    ) -> p.InviteStatus:
        st = app_state(request)
        inv = await st.run(st.storage.answer_team_invite, caller, unhex(invite_id), None,
                           body.reason, st.clock())
        log_event("invite.reject", invite=invite_id, by=caller.device_id)
        return _status(inv)

    @app.get(f"{v1}/invites/{{invite_id}}", response_model=p.InviteStatus, responses=ERRORS,
             tags=["invites"])
    async def invite_status(
        invite_id: InviteId, caller: AuthCaller, request: Request
    ) -> p.InviteStatus:
        st = app_state(request)
        inv = await st.run(st.storage.team_invite, caller, unhex(invite_id), st.clock())
        return _status(inv)

    # --- purge --------------------------------------------------------------------------
    @app.post(f"{v1}/inspections/{{iid}}/purge", response_model=p.PurgeResult,
              responses=ERRORS, tags=["inspections"])
    async def purge_inspection(
        iid: InspectionId, caller: AuthCaller, request: Request,
        body: p.PurgeRequest | None = None,
    ) -> p.PurgeResult:
        st = app_state(request)
        statement = body.statement if body is not None else None
        if statement is not None and statement.inspection_id != iid:
            raise Unprocessable("the purge statement names another inspection",
                                      code="bad_statement")
        out = await st.run(st.storage.purge_inspection, caller, unhex(iid), st.clock(),
                           statement.model_dump_json() if statement is not None else None)
        log_event("inspection.purge", inspection=iid, by=caller.device_id,
                  records=out.records_deleted)
        return p.PurgeResult(inspection_id=iid, purged_at=out.purged_at,
                             records_deleted=out.records_deleted)
