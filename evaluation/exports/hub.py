"""Push a finished export to a dataset repository on the Hugging Face Hub (or a server that speaks
its API): the export's files and its dataset card, as one commit, through huggingface_hub."""

from __future__ import annotations

import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _
from huggingface_hub import HfApi
from huggingface_hub.errors import HfHubHTTPError, HFValidationError
from huggingface_hub.utils import httpx as hub_http  # its own HTTP client, httpx or successor
from huggingface_hub.utils import validate_repo_id

from common.errors import ApplicationError
from evaluation.models import Export


class ExportPushRefused(ApplicationError):
    """The export cannot be pushed as asked, or the Hub refused it; the message says why."""


@dataclass(frozen=True)
class PushResult:
    repo_url: str
    commit_url: str
    files: list[str]


def _repo_id_checked(repo_id: str) -> str:
    try:
        validate_repo_id(repo_id)
    except HFValidationError:
        owner_and_name = False
    else:
        owner_and_name = repo_id.count("/") == 1
    if not owner_and_name:
        raise ExportPushRefused(
            _("A repository is named owner/name (letters, digits, '-', '_', '.'), not %(repo)r.")
            % {"repo": repo_id},
            field="repo",
        )
    return repo_id


def export_push(
    *, export: Export, repo_id: str, token: str, private: bool = False, endpoint: str | None = None
) -> PushResult:
    """Create the dataset repository if missing and commit the export's files and card into it.

    Every refusal (no token, a malformed name, an unfinished export, the Hub saying no, no network)
    is an ``ExportPushRefused`` with a message a person can act on."""
    if not token:
        raise ExportPushRefused(_("No Hugging Face token: set one with write access."), field="token")
    _repo_id_checked(repo_id)
    if export.status != Export.Status.READY or not export.file:
        raise ExportPushRefused(_("Only a finished export can be pushed."), field="export")
    api = HfApi(endpoint=endpoint or None, token=token)
    with tempfile.TemporaryDirectory(prefix=f"valuelens-push-{export.pk}-") as folder:
        with zipfile.ZipFile(export.file.path) as archive:
            names = archive.namelist()
            archive.extractall(folder)
        try:
            repo = api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
            commit = api.upload_folder(
                folder_path=Path(folder),
                repo_id=repo_id,
                repo_type="dataset",
                commit_message=f"ValueLens {export.kind} export {export.pk} ({export.format})",
            )
        except HfHubHTTPError as exc:
            status = exc.response.status_code if exc.response is not None else None
            raise ExportPushRefused(_refusal(status, str(exc).splitlines()[0])) from exc
        except ValueError as exc:
            # huggingface_hub's word for a card the Hub's metadata check turned down.
            raise ExportPushRefused(
                _("The Hub refused the dataset card: %(error)s") % {"error": exc}
            ) from exc
        except (hub_http.HTTPError, OSError) as exc:
            raise ExportPushRefused(
                _("Could not reach %(endpoint)s: %(error)s") % {"endpoint": api.endpoint, "error": exc}
            ) from exc
    return PushResult(repo_url=str(repo), commit_url=commit.commit_url, files=sorted(names))


def _refusal(status: int | None, detail: str) -> str:
    if status in (401, 403):
        return _(
            "The Hub refused the token (HTTP %(status)s): it must be valid and allowed to write to "
            "this repository. %(detail)s"
        ) % {"status": status, "detail": detail}
    return _("The Hub answered HTTP %(status)s: %(detail)s") % {"status": status or "?", "detail": detail}
