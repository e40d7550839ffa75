"""A form with several problems names every one at once, in a summary at the top."""

from tests.factories import make_user, sign_in


def test_a_new_person_with_four_bad_fields_hears_of_all_four(app, client):
    sign_in(client, make_user(app, "admin"))
    page = client.post("/people/new", data={"username": "a", "password": "short", "name": "",
                                            "phone": "12ab", "id_number": "123", "roles": ["resident"]})
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    summary = html.split('form-error-summary', 1)[1].split("</div>\n</div>", 1)[0]
    for field in ("username", "password", "name", "phone", "id_number"):
        assert f'href="#{field}"' in summary, field
    assert "Please correct 5 problems:" in summary
    assert "style=" not in html
