"""Region and endpoints as the AWS SDKs resolve them: every region botocore knows in every mode, configured endpoints, ports, Secrets Manager's hosts and endpoint variable."""

from __future__ import annotations

import json
import pathlib

import pytest
from conftest import api_load, timed_load
from credential_cases import E_KEY, E_SECRET, write

from ssm_env_wrapper import ConfigError
from ssm_env_wrapper.endpoint import (
    Endpoint,
    endpoint_from_environ,
    parse_endpoint_url,
    region_from_environ,
)


# ------------------------------------------------------------ settings parse only ASCII numbers
@pytest.mark.parametrize("port", ["\u00b2", "\u0663\u0661\u0662\u0668", "1_0", "+80", " 80"])
def test_an_endpoint_port_must_be_ascii_digits(port):
    from ssm_env_wrapper.endpoint import parse_endpoint_url

    with pytest.raises(ConfigError, match="AWS_ENDPOINT_URL_SSM=.*the port must be a number"):
        parse_endpoint_url(f"https://localhost:{port}", "AWS_ENDPOINT_URL_SSM")


MODES = [(False, False), (True, False), (False, True), (True, True)]


def _regions() -> list[str]:
    import botocore

    data = pathlib.Path(botocore.__file__).parent / "data"
    regions: set[str] = set()
    for partition in json.loads((data / "partitions.json").read_text())["partitions"]:
        regions.update(r for r in partition["regions"] if not r.endswith("-global"))
    for partition in json.loads((data / "endpoints.json").read_text())["partitions"]:
        regions.update(partition["regions"])
        regions.update(
            r
            for r in partition["services"].get("ssm", {}).get("endpoints", {})
            if not r.startswith("fips-") and not r.endswith("-fips")
        )
    return sorted(regions)


REGIONS = _regions()


def test_every_partition_is_among_the_regions_compared():
    prefixes = (
        "us-east-1",
        "cn-north-1",
        "us-gov-west-1",
        "us-iso-east-1",
        "us-isob-east-1",
        "eu-isoe-west-1",
        "us-isof-south-1",
        "eusc-de-east-1",
    )
    assert set(prefixes) <= set(REGIONS), sorted(set(prefixes) - set(REGIONS))


@pytest.fixture(scope="module")
def botocore_url():
    import botocore.session
    from botocore.config import Config

    session = botocore.session.get_session()

    def resolve(region: str, fips: bool, dualstack: bool) -> str:
        """Where botocore sends GetParametersByPath. (``client.meta.endpoint_url`` comes from
        the legacy endpoints.json bridge and differs from the rule set in some partitions; the
        request goes where the rule set says.) Creating the client raises what a user would see."""
        client = session.create_client(
            "ssm",
            region_name=region,
            aws_access_key_id="x",
            aws_secret_access_key="x",
            config=Config(use_fips_endpoint=fips, use_dualstack_endpoint=dualstack),
        )
        operation = client.meta.service_model.operation_model("GetParametersByPath")
        return client._ruleset_resolver.construct_endpoint(operation, {"Path": "/x"}, {}).url

    return resolve


@pytest.mark.parametrize(
    "fips, dualstack", MODES, ids=["plain", "fips", "dualstack", "fips+dualstack"]
)
def test_every_region_in_every_mode_matches_botocore(botocore_url, fips, dualstack):
    environ = {
        "AWS_USE_FIPS_ENDPOINT": str(fips).lower(),
        "AWS_USE_DUALSTACK_ENDPOINT": str(dualstack).lower(),
    }
    mismatches = []
    for region in REGIONS:
        try:
            expected = botocore_url(region, fips, dualstack)
        except Exception:  # botocore refuses the combination: so must we
            with pytest.raises(ConfigError):
                endpoint_from_environ(region, environ)
            continue
        ours = endpoint_from_environ(region, environ).url
        if ours != expected.rstrip("/"):
            mismatches.append((region, ours, expected))
    assert mismatches == []
    assert len(REGIONS) > 40


def test_a_configured_endpoint_wins_over_fips_and_dualstack():
    environ = {"AWS_USE_FIPS_ENDPOINT": "true", "AWS_ENDPOINT_URL_SSM": "http://127.0.0.1:4566"}
    assert endpoint_from_environ("us-east-1", environ).url == "http://127.0.0.1:4566"
    environ["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true"
    assert (
        endpoint_from_environ("us-east-1", environ).url
        == "https://ssm-fips.us-east-1.amazonaws.com"
    )
    assert (
        endpoint_from_environ("us-east-1", {"AWS_ENDPOINT_URL": "https://x.example"}).url
        == "https://x.example"
    )
    with pytest.raises(ConfigError, match="AWS_USE_FIPS_ENDPOINT must be true or false"):
        endpoint_from_environ("us-east-1", {"AWS_USE_FIPS_ENDPOINT": "fips"})


def test_region_comes_from_aws_region_then_aws_default_region():
    assert (
        region_from_environ({"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "us-east-1"})
        == "eu-west-1"
    )
    assert region_from_environ({"AWS_DEFAULT_REGION": "us-east-1"}) == "us-east-1"
    for bad in ("US-EAST-1", "us east 1", "us-east-1.evil.com", "-us"):
        with pytest.raises(ConfigError, match="AWS_REGION"):
            region_from_environ({"AWS_REGION": bad})
    with pytest.raises(ConfigError, match="no AWS region"):
        # A config file that is not there: the machine's own ~/.aws/config could hold a region.
        region_from_environ({"AWS_CONFIG_FILE": "/nonexistent/config"})


@pytest.mark.parametrize(
    "url, expect",
    [
        ("http://127.0.0.1:4566", ("http", "127.0.0.1", 4566, "127.0.0.1:4566")),
        ("https://ssm.example.com", ("https", "ssm.example.com", 443, "ssm.example.com")),
        ("https://ssm.example.com:443/", ("https", "ssm.example.com", 443, "ssm.example.com")),
        ("http://[::1]:8080", ("http", "::1", 8080, "[::1]:8080")),
        ("HTTPS://SSM.Example.com", ("https", "ssm.example.com", 443, "ssm.example.com")),
    ],
)
def test_endpoint_urls_parse(url, expect):
    endpoint = parse_endpoint_url(url, "AWS_ENDPOINT_URL_SSM")
    assert (endpoint.scheme, endpoint.host, endpoint.port, endpoint.host_header) == expect
    assert endpoint == Endpoint(*expect[:3])


@pytest.mark.parametrize(
    "url",
    [
        "ftp://x",
        "localhost:4566",
        "http://user:pw@host",
        "http://h:0",
        "http://h:99999",
        "http://h/path",
        "http://h?x=1",
        "http://",
        "http://[::1",
    ],
)
def test_bad_endpoint_urls_name_the_variable(url):
    with pytest.raises(ConfigError, match="AWS_ENDPOINT_URL_SSM"):
        parse_endpoint_url(url, "AWS_ENDPOINT_URL_SSM")


def test_no_region_anywhere_says_where_to_set_it(bare_env, tmp_path):
    bare_env.pop("AWS_REGION")
    config = write(tmp_path, "config", "[profile other]\nregion = eu-west-1\n")
    outcome, _ = timed_load(
        bare_env,
        SSM_ENV_PATHS="/prod/app",
        AWS_CONFIG_FILE=config,
        AWS_ACCESS_KEY_ID=E_KEY,
        AWS_SECRET_ACCESS_KEY=E_SECRET,
    )
    assert str(outcome) == (
        "no AWS region: set AWS_REGION (Lambda sets it for you), "
        "AWS_DEFAULT_REGION or region in the profile of the config file"
    )


def test_the_secrets_endpoint_comes_before_the_general_one(sm, sm_env, env, api, moto_url):
    sm.create_secret(Name="e", SecretString="endpoint-value-1")
    dead = "http://127.0.0.1:9"
    result = api_load(api, sm_env, AWS_ENDPOINT_URL=dead, SSM_ENV_SECRETS="e")
    assert result.variables == {"e": "endpoint-value-1"}
    general = dict(env, AWS_ENDPOINT_URL=moto_url)
    assert api_load(api, general, SSM_ENV_SECRETS="e").variables == {"e": "endpoint-value-1"}


def test_secrets_manager_hosts_match_botocores_rule_set():
    import botocore.session
    from botocore.config import Config

    from ssm_env_wrapper import ConfigError
    from ssm_env_wrapper.endpoint import secrets_host

    session = botocore.session.get_session()
    mismatched = []
    for region in REGIONS:
        for fips, dualstack in MODES:
            try:
                client = session.create_client(
                    "secretsmanager",
                    region_name=region,
                    aws_access_key_id="x",
                    aws_secret_access_key="x",
                    config=Config(use_fips_endpoint=fips, use_dualstack_endpoint=dualstack),
                )
                operation = client.meta.service_model.operation_model("GetSecretValue")
                url = client._ruleset_resolver.construct_endpoint(
                    operation, {"SecretId": "x"}, {}
                ).url
                expected = url.split("://", 1)[1]
            except Exception as exc:  # botocore refuses the variant: so must we
                expected = type(exc).__name__
            try:
                got = secrets_host(region, fips, dualstack)
            except ConfigError:
                got = "EndpointVariantError"
            if got != expected:
                mismatched.append((region, fips, dualstack, got, expected))
    assert not mismatched, mismatched[:5]
