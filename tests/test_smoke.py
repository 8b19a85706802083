from conftest import put, run_show_env


def test_smoke(ssm, env, wrapper):
    put(ssm, "/prod/app/DB_HOST", "db.example")
    env["SSM_ENV_PATHS"] = "/prod/app"
    proc, report = run_show_env(wrapper, env)
    assert proc.returncode == 0, proc.stderr
    assert report["env"]["DB_HOST"] == "db.example"
    print(proc.stderr)
