"""pyHanko's view of terbit's signed PDFs, for tests/pades.rs.

  python3 tests/pades_tools.py validate ROOT.crt FILE...
      one JSON line per file: the standard validation (intact, valid,
      trusted, coverage, modification level, bottom line) and the AdES
      basic validation (ETSI EN 319 102-1) with ROOT as the only trust
      anchor and no revocation fetching (the files carry none: B-B).
  python3 tests/pades_tools.py ades ROOT.crt[,ROOT2.crt...] TIME FILE... [--ocsp F]... [--crl F]...
      one JSON line per file: EN 319 102-1 long-term validation
      (ades_lta_validation, the policy of `pyhanko sign adesverify`:
      revocation data required, never fetched) at the validation time TIME
      (ISO 8601), the ROOTs the only trust anchors, the OCSP answers and CRLs F
      known beside what the file carries. pyHanko dates what it has no proof of
      existence for by the wall clock; an auditor validating in year X has
      that clock at X, so it is set to TIME here.
  python3 tests/pades_tools.py update IN OUT OLD NEW
      append an incremental update to IN that replaces OLD by NEW in its
      first page's content (a forger editing a signed document), as OUT.
"""

import asyncio
import json
import sys

from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import ades, async_validate_pdf_signature
from pyhanko.sign.validation.policy_decl import CertValidationPolicySpec, SignatureValidationSpec
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.policy_decl import CertRevTrustPolicy, RevocationCheckingPolicy, RevocationCheckingRule
from pyhanko_certvalidator.registry import SimpleTrustManager


async def validate(root_path, files):
    root = load_cert_from_pemder(root_path)
    vc = ValidationContext(trust_roots=[root], allow_fetching=False, revocation_mode="soft-fail")
    no_check = RevocationCheckingPolicy(
        ee_certificate_rule=RevocationCheckingRule.NO_CHECK, intermediate_ca_cert_rule=RevocationCheckingRule.NO_CHECK
    )
    spec = SignatureValidationSpec(
        cert_validation_policy=CertValidationPolicySpec(
            trust_manager=SimpleTrustManager.build(trust_roots=[root]), revinfo_policy=CertRevTrustPolicy(no_check)
        )
    )
    for f in files:
        out = {"file": f}
        try:
            with open(f, "rb") as fh:
                r = PdfFileReader(fh)
                sigs = r.embedded_signatures
                out["signatures"] = len(sigs)
                if sigs:
                    s = sigs[0]
                    st = await async_validate_pdf_signature(s, vc, ts_validation_context=vc)
                    out.update(
                        intact=st.intact,
                        valid=st.valid,
                        trusted=st.trusted,
                        coverage=st.coverage.name,
                        modification=st.modification_level.name if st.modification_level else None,
                        bottom_line=st.bottom_line,
                        subfilter=str(s.sig_object.get("/SubFilter")),
                    )
                    ts = st.timestamp_validity
                    if ts is not None:
                        out["stamp"] = ts.timestamp.isoformat()
                        out["stamp_ok"] = bool(ts.intact and ts.valid and ts.trusted)
                    res = await ades.ades_basic_validation(s.signed_data, spec, raw_digest=s.compute_digest())
                    out["ades"] = res.ades_subindic.name if res.ades_subindic else None
                    out["ades_ok"] = res.ades_subindic is not None and res.ades_subindic.status.name == "PASSED"
        except Exception as e:  # a file pyHanko cannot read at all
            out["error"] = f"{type(e).__name__}: {e}"
        print(json.dumps(out), flush=True)


async def long_term(root_path, when, files, ocsps, crls):
    from datetime import datetime, timezone
    import pyhanko_certvalidator.ltv.ades_past as past_mod
    import pyhanko_certvalidator.ltv.poe as poe_mod
    from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY
    from pyhanko.sign.validation.policy_decl import (
        CertificateFetchingRule,
        LocalKnowledge,
        PdfSignatureValidationSpec,
        RevinfoOnlineFetchingRule,
        RevocationInfoGatheringSpec,
    )
    from pyhanko_certvalidator.ltv.types import ValidationTimingInfo
    from pyhanko_certvalidator.policy_decl import REQUIRE_REVINFO, FreshnessReqType
    from pyhanko_certvalidator.revinfo.archival import CRLContainer, OCSPContainer
    from asn1crypto import crl as acrl, ocsp as aocsp

    vt = datetime.fromisoformat(when.replace("Z", "+00:00")).astimezone(timezone.utc)

    class Pinned(datetime):
        @classmethod
        def now(cls, tz=None):
            return vt.astimezone(tz) if tz else vt

    poe_mod.datetime = Pinned
    past_mod.datetime = Pinned
    roots = [load_cert_from_pemder(p) for p in root_path.split(",")]
    known = []
    for f in ocsps:
        with open(f, "rb") as fh:
            known.extend(OCSPContainer.load_multi(aocsp.OCSPResponse.load(fh.read())))
    spec = SignatureValidationSpec(
        cert_validation_policy=CertValidationPolicySpec(
            trust_manager=SimpleTrustManager.build(trust_roots=roots),
            revinfo_policy=CertRevTrustPolicy(REQUIRE_REVINFO, freshness_req_type=FreshnessReqType.MAX_DIFF_REVOCATION_VALIDATION),
        ),
        revinfo_gathering_policy=RevocationInfoGatheringSpec(
            online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY, certificate_fetching_rule=CertificateFetchingRule.NEVER_FETCH
        ),
        local_knowledge=LocalKnowledge(known_ocsps=known, known_crls=[CRLContainer(acrl.CertificateList.load(open(f, "rb").read())) for f in crls]),
    )
    pspec = PdfSignatureValidationSpec(signature_validation_spec=spec, diff_policy=DEFAULT_DIFF_POLICY)
    timing = ValidationTimingInfo(validation_time=vt, best_signature_time=vt, point_in_time_validation=True)
    for f in files:
        out = {"file": f}
        try:
            with open(f, "rb") as fh:
                r = PdfFileReader(fh)
                sig = r.embedded_regular_signatures[0]
                res = await ades.ades_lta_validation(sig, pspec, timing_info=timing)
                out["ades"] = f"{res.ades_subindic.status.name}/{res.ades_subindic.name}" if res.ades_subindic else None
                out["best_time"] = res.best_signature_time.isoformat() if res.best_signature_time else None
                out["message"] = str(res.failure_msg) if res.failure_msg else None
        except Exception as e:
            out["error"] = f"{type(e).__name__}: {e}"
        print(json.dumps(out), flush=True)


def update(src, dst, old, new):
    with open(src, "rb") as fh:
        w = IncrementalPdfFileWriter(fh)
        page_ref = w.root["/Pages"]["/Kids"].raw_get(0)
        page = page_ref.get_object()
        contents = page["/Contents"]
        streams = list(contents) if isinstance(contents, generic.ArrayObject) else [contents]
        data = b"\n".join(s.get_object().data for s in streams)
        if old.encode() not in data:
            sys.exit(f"{old!r} is not in the first page's content")
        page["/Contents"] = w.add_object(generic.StreamObject(stream_data=data.replace(old.encode(), new.encode())))
        w.mark_update(page_ref)
        with open(dst, "wb") as out:
            w.write(out)


if __name__ == "__main__":
    if sys.argv[1] == "validate":
        asyncio.run(validate(sys.argv[2], sys.argv[3:]))
    elif sys.argv[1] == "ades":
        args, known = [], {"--ocsp": [], "--crl": []}
        rest = iter(sys.argv[2:])
        for a in rest:
            if a in known:
                known[a].append(next(rest))
            else:
                args.append(a)
        asyncio.run(long_term(args[0], args[1], args[2:], known["--ocsp"], known["--crl"]))
    elif sys.argv[1] == "update":
        update(*sys.argv[2:6])
    else:
        sys.exit(__doc__)
