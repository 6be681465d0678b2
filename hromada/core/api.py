"""Core API: the signed-in resident and the request's community."""

from __future__ import annotations

from datetime import date

from ninja import Router, Schema, Status

from hromada.api import auth

router = Router(tags=["core"])


class CommunityOut(Schema):
    slug: str
    name: str
    katottg: str
    edrpou: str
    email: str
    phone: str
    website: str
    modules: list[str]


class LinkIn(Schema):
    kind: str
    street_id: int | None = None
    house: str = ""
    note: str = ""
    # With kind "lives": end the residence in another community first.
    move: bool = False


class LinkOut(Schema):
    id: int
    kind: str
    community: str


class ResidentOut(Schema):
    id: int
    email: str
    full_name: str
    birth_date: date | None
    identity_level: int
    links: list[str]


@router.get("/community", response=CommunityOut, auth=None, summary="The community of this host")
def community(request):
    from hromada.core import registry

    c = request.community
    return {
        "slug": c.slug,
        "name": c.name,
        "katottg": c.katottg,
        "edrpou": c.edrpou,
        "email": c.email,
        "phone": c.phone,
        "website": c.website,
        "modules": [m.name for m in registry.modules()],
    }


@router.get("/me", response=ResidentOut, auth=auth.required, summary="The signed-in resident")
def me(request):
    resident = request.auth
    links = resident.links.filter(community=request.community).values_list("kind", flat=True)
    return {
        "id": resident.pk,
        "email": resident.email,
        "full_name": resident.full_name,
        "birth_date": resident.birth_date,
        "identity_level": resident.identity_level,
        "links": list(links),
    }


@router.post(
    "/me/links",
    response={201: LinkOut},
    auth=auth.required,
    summary="Link the signed-in resident to this community",
)
def add_link(request, payload: LinkIn):
    from hromada.core import services
    from hromada.core.models import CommunityLink, Street

    street = None
    if payload.street_id is not None:
        street = Street.objects.select_related("settlement").filter(pk=payload.street_id).first()
    if payload.move and payload.kind == CommunityLink.Kind.LIVES:
        link = services.move_residence(
            resident=request.auth, community=request.community, street=street, house=payload.house
        )
    else:
        link = services.link_to_community(
            resident=request.auth,
            community=request.community,
            kind=payload.kind,
            street=street,
            house=payload.house,
            note=payload.note,
        )
    return Status(201, {"id": link.pk, "kind": link.kind, "community": request.community.slug})
