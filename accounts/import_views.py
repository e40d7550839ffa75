"""The residents import page: upload, see every bad row, or see how many were added."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from accounts.decorators import role_required
from accounts.forms import ImportPeopleForm
from accounts.people_import import ImportProblems, import_people


@role_required("admin", readers=())  # a form only
def import_people_page():
    """Add many residents at once from Excel or CSV; all or nothing."""
    form = ImportPeopleForm()
    problems, status = [], 200
    if form.is_submitted():
        status = 422
        if form.validate():
            upload = form.file.data
            try:
                added = import_people(upload.filename or "", upload.read(), form.initial_password.data or "",
                                      current_user)
            except ImportProblems as error:
                problems = error.problems
            except IntegrityError:
                problems = [(0, _("A username in the file was taken while importing; nothing was saved. "
                                  "Upload the file again to see which."))]
            else:
                flash(_("Added %(n)s residents.", n=added), "success")
                return redirect(url_for("accounts.people"))
    return render_template("accounts/import_people.html", form=form, problems=problems), status
