import { Router } from 'express';
import { requirePasswordChanged, requireUser } from '../../http/auth';
import type { Deps } from '../../services/context';
import { checkPublicAddress } from '../../services/public-address';
import { auditRouter } from './audit';
import { casesRouter } from './cases';
import { casesDueCount } from '../../services/cases';
import { calendarWarningYear } from '../../services/case-admin';
import { evaluationReportRouter } from './evaluation-report';
import { evaluationsRouter } from './evaluations';
import { rectificationRouter } from './rectification';
import { exportsRouter } from './exports';
import { homeRouter } from './home';
import { sitesRouter } from './sites';
import { previewRouter } from './preview';
import { publicationsRouter } from './publications';
import { statsRouter, reviewRouter } from './stats';
import { surveysRouter } from './surveys';
import { usersRouter } from './users';

/** Everything under /admin: login required for every route. */
export function adminRouter(deps: Deps): Router {
  const router = Router();
  router.use(requireUser, requirePasswordChanged);
  router.use((req, res, next) => {
    res.set('Cache-Control', 'no-store');
    // Pages that make QR codes or posters include views/partials/public-address (computed only there).
    res.locals.publicAddress = () => checkPublicAddress(deps, `${req.protocol}://${req.get('host') ?? ''}`);
    next();
  });
  // 以评促改 in the header: station staff see how many cases are due (one indexed count); admins
  // and evaluators are warned when the working-day calendar lacks this year or (from 1 November) next.
  router.use(async (req, res, next) => {
    if (req.method !== 'GET') return next();
    if (req.actor.role === 'station') res.locals.casesDue = await casesDueCount(deps, req.actor);
    else if (req.actor.role === 'admin' || req.actor.role === 'evaluator') res.locals.calendarWarning = await calendarWarningYear(deps);
    next();
  });
  router.use(homeRouter(deps));
  router.use(casesRouter(deps));
  router.use('/surveys', previewRouter(deps));
  router.use('/surveys', surveysRouter(deps));
  router.use(publicationsRouter(deps));
  router.use('/stats', statsRouter(deps));
  router.use(reviewRouter(deps));
  router.use('/evaluations', evaluationReportRouter(deps));
  router.use('/evaluations', rectificationRouter(deps));
  router.use('/evaluations', evaluationsRouter(deps));
  router.use('/exports', exportsRouter(deps));
  router.use('/sites', sitesRouter(deps));
  router.use('/users', usersRouter(deps));
  router.use('/audit', auditRouter(deps));
  return router;
}
