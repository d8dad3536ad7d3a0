"""Cached loaders and small helpers shared by the pages (no data logic here)."""

from __future__ import annotations

import re

import streamlit as st

import mapper
from mapper.data import Bundle
from mapper.viewstate import ViewState, view_from_query


@st.cache_resource(show_spinner="Loading and checking the bundled data…")
def get_bundle() -> Bundle:
    """Load, validate and enrich every layer once per server process."""
    return mapper.load_bundle()


def show_data_problems(bundle: Bundle) -> None:
    """A visible notice when records were left out or flagged (never silent)."""
    if bundle.report.errors:
        st.error(
            f"{len(bundle.report.errors)} data error(s): the records concerned are left out of the map. "
            "See **Data & sources** for the full report."
        )
    elif bundle.report.warnings:
        st.warning(f"{len(bundle.report.warnings)} consistency warning(s) in the data (see **Data & sources**).")


def md_escape(text: str) -> str:
    """Escape Markdown so text from data files shows literally in headings and captions."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!<>|~])", r"\\\1", str(text))


def current_view(bundle: Bundle) -> ViewState | None:
    """The view the map page last showed, or the one the URL describes; None when the map
    page has no layer selected."""
    if "view" in st.session_state and st.session_state.view is None:
        return None  # the map page has no layer selected
    view = st.session_state.get("view")
    if isinstance(view, ViewState):
        return view
    view, notices = view_from_query(st.query_params.to_dict(), bundle)
    show_notices(notices)
    return view


def show_notices(notices: list[str]) -> None:
    """One visible notice per URL value that had to be dropped or fixed."""
    for notice in notices:
        st.info(md_escape(f"The link had a value this view cannot show, so it was adjusted: {notice}."))
