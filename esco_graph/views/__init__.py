"""Views of a built graph for people: what changed between two crawls (diff), a picture of an
occupation (show), a query page in the browser (serve). They read graphs and stores and write
nothing back."""
