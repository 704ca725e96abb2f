from api import router


def test_unknown_route():
    event = {"requestContext": {"http": {"method": "GET"}}, "pathParameters": {"proxy": "nope"}}
    assert router(event, None)["statusCode"] == 404
