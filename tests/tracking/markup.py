"""Parts of a page's markup that tests look into."""


def select_options(html: str, name: str) -> str:
    """The markup of the options of the page's `<select name=...>`."""
    return html.split(f'<select name="{name}"', 1)[1].split("</select>", 1)[0]
