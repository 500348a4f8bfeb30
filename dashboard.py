"""ValueScope's dashboard script: page config, sign-in gate, session state, sidebar (who is
signed in, source, as-of date, filters, saved segments, language) and the navigation of the pages
the user's role may open. Pages live in ``app_pages/``. ``streamlit run app.py`` serves it (with
the start-up warm-up of :mod:`ui.startup`); so does ``streamlit run dashboard.py``."""

from __future__ import annotations

import logging

import streamlit as st

from analytics._validate import CodedError
from ui import auth, persist, segments, sources, state, style
from ui.auth import allows
from ui.formats import fmt_int
from ui.i18n import LANGUAGES, describe_error, labeler, namer, setting_names, t
from ui.view import filter_options, prefetch
from ui.widgets import load_chart_library, on_page_stop, page_stop_drawer, plain, show_error


def _skip_direct_execution_check() -> None:
    """Streamlit's first element of a process checks whether it runs in a REPL, through
    ``inspect.stack()``, which resolves the real path of every imported module's file (2,300
    modules once the models are loaded: 0.2 s of the first page here). This app is only ever
    served by ``streamlit run`` (or AppTest), where that warning has nothing to say."""
    import streamlit.delta_generator as generator

    generator._use_warning_has_been_displayed = True


_skip_direct_execution_check()
# An emoji icon is drawn by the browser itself; a Material icon's favicon is fetched from
# fonts.gstatic.com on every page: a request to a third party, which fails with no internet.
st.set_page_config(page_title="ValueScope", page_icon="📊", layout="wide")
logging.basicConfig(level=logging.INFO)
state.init()
state.keep_widget_state()


def who(user) -> None:
    """Who is signed in, their role and regions, and the sign-out button."""
    role = t(f"role_{user.role}")
    if user.mode == "none":
        st.caption(t("no_sign_in"), help=None)
    else:
        st.caption(plain(t("signed_in_as", user=user.username, role=role)))
        if user.regions is not None:
            st.caption(plain(t("scope_regions", regions=", ".join(user.regions))))
        st.button(t("sign_out"), on_click=auth.sign_out, key="sign_out", icon=":material/logout:")


def source_picker(user) -> None:
    """Stewards and admins switch sources; everyone else sees the deployment's default."""
    missing = sources.default_source_missing()
    if missing and allows(user, "data_page"):  # those who can mend it are told
        st.warning(plain(t("source_unavailable", name=missing)), icon=":material/warning:")
    if not allows(user, "data_page"):
        st.session_state["source"] = sources.default_source()
        return
    choices = ["demo", "cdnow", *(f"connection:{n}" for n in sources.named_connections()),
               *(f"scored:{n}" for n in sources.scored_choices())]  # fmt: skip
    if st.session_state.get("upload_bytes"):
        choices.append("upload")
    if st.session_state.get("db_url") and allows(user, "typed_url"):
        choices.append("database")
    if st.session_state.get("source") not in choices:
        st.session_state["source"] = sources.default_source()
    source_label = labeler("source_")
    st.selectbox(
        t("data_source"),
        choices,
        format_func=lambda c: (
            c.split(":", 1)[1]
            if c.startswith("connection:")
            else t("source_scored", name=c.split(":", 1)[1])
            if c.startswith("scored:")
            else source_label(c)
        ),
        key="source",
        on_change=state.reset_for_new_source,
    )


def sidebar(user):
    """The sidebar above the page menu; the container the saved segments go in (None when the
    source cannot be used)."""
    with st.sidebar:
        st.markdown(f"### {t('app_title')}")
        st.caption(t("app_subtitle"))
        st.radio(
            t("language"), list(LANGUAGES), format_func=LANGUAGES.get, key="lang", horizontal=True
        )
        who(user)
        rejected = st.session_state.pop("_url_reset", None)  # said once, not on every page
        if rejected:
            st.warning(t("url_reset", keys=setting_names(rejected)), icon=":material/link_off:")
        source_picker(user)
        try:
            dataset, fingerprint = sources.dataset()
        except CodedError as exc:
            show_error(t("source_error", error=describe_error(exc)), exc)
            return None
        low, high = sources.date_range(dataset, fingerprint)
        current = st.session_state.get("as_of")
        if current is None or not low <= current <= high:
            st.session_state["as_of"] = high
        st.date_input(
            t("as_of"),
            min_value=low,
            max_value=high,
            key="as_of",
            format="YYYY-MM-DD",
            help=t("as_of_help"),
        )
        st.session_state["_as_of_latest"] = high

        options = filter_options(dataset, fingerprint, state.settings())
        if options:
            st.markdown(f"**{t('filters')}**")
        for key, column in state.FILTER_KEYS.items():  # each filter is labelled by its column
            if key in options:
                st.session_state[key] = [
                    v for v in st.session_state.get(key) or [] if v in options[key]
                ]
                st.multiselect(
                    t(column), options[key], format_func=namer(), key=key, placeholder=t("all")
                )
        st.session_state["_dataset_name"] = dataset.name
        # the saved segments are drawn here once the page is (they query the application
        # database; drawn before the page, they held its charts back by 0.2-0.3 s of a 1M
        # restart), or by a page that stops (ui.widgets.stop_page)
        return st.container()


def navigation(user, hidden: bool = False):
    """Only the pages the role may open exist for the session: a link to another page opens the
    default page instead (Streamlit's routing), and nothing of it is computed. ``hidden``
    (before sign-in, ``user`` None) registers every page without drawing the menu, so the link
    a user came with is still there once they have signed in; no page is run."""
    pages = {
        t("group_dashboards"): [
            st.Page("app_pages/overview.py", title=t("page_overview"),
                    icon=":material/dashboard:", url_path="overview", default=True),
            st.Page("app_pages/churn.py", title=t("page_churn"),
                    icon=":material/trending_down:", url_path="churn"),
            st.Page("app_pages/persistency.py", title=t("page_persistency"),
                    icon=":material/autorenew:", url_path="persistency"),
            st.Page("app_pages/loyalty.py", title=t("page_loyalty"),
                    icon=":material/loyalty:", url_path="loyalty"),
            st.Page("app_pages/service.py", title=t("page_service"),
                    icon=":material/support_agent:", url_path="service"),
        ],
        t("group_analysis"): [
            st.Page("app_pages/rfm.py", title=t("page_rfm"),
                    icon=":material/grid_view:", url_path="rfm"),
            st.Page("app_pages/abc.py", title=t("page_abc"),
                    icon=":material/bar_chart:", url_path="abc"),
            st.Page("app_pages/clv.py", title=t("page_clv"),
                    icon=":material/savings:", url_path="clv"),
            st.Page("app_pages/clusters.py", title=t("page_clusters"),
                    icon=":material/bubble_chart:", url_path="clusters"),
            st.Page("app_pages/picture.py", title=t("page_picture"),
                    icon=":material/groups:", url_path="picture"),
        ],
        t("group_customers"): [
            st.Page("app_pages/lookup.py", title=t("page_lookup"),
                    icon=":material/person_search:", url_path="lookup"),
            st.Page("app_pages/data.py", title=t("page_data"),
                    icon=":material/database:", url_path="data"),
        ],
        t("group_admin"): [
            st.Page("app_pages/audit.py", title=t("page_audit"),
                    icon=":material/policy:", url_path="audit"),
        ],
    }  # fmt: skip
    if hidden:
        return st.navigation(pages, position="hidden")
    needs = {"lookup": "lookup", "data": "data_page", "audit": "audit_log"}
    allowed = {}
    for group, entries in pages.items():
        kept = [p for p in entries if allows(user, needs.get(p.url_path, "dashboards"))]
        if kept:
            allowed[group] = kept
    return st.navigation(allowed, expanded=True)  # every page in view, no "View more"


style.apply(st.session_state.get("lang", "en"))
user = auth.gate(keep_link=lambda: navigation(None, hidden=True))
unload_charts = load_chart_library()  # before anything waits for data
with persist.drawing():  # background work waits while a page is drawn
    sources.prepare_demo()
    saved_segments = sidebar(user)

    def after_page() -> None:
        if saved_segments is not None:
            with saved_segments:
                segments.sidebar(user)
        if unload_charts is not None:
            unload_charts()

    on_page_stop(after_page)  # a page that stops does this before it stops
    try:
        navigation(user).run()
    finally:
        if page_stop_drawer() is not None:  # the page did not stop
            after_page()
state.sync_url()
prefetch(st.session_state.get("_last_view"))
if "_view_size" in st.session_state:
    st.sidebar.caption(t("customers_in_view", n=fmt_int(st.session_state["_view_size"])))
